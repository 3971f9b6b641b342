import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../content/digest.js';
import { sha256 } from '../content/digest.js';
import { LocalContentStore } from '../content/local-content-store.js';
import { buildTar } from '../layers/testing/tar-fixture.js';
import { silentLogger } from '../logger.js';
import { LocalSnapshotter } from '../snapshots/local-snapshotter.js';
import type { ImageRecord } from './image-record.js';
import type { ImageServiceDeps } from './image-service-deps.js';
import { LocalImageService } from './local-image-service.js';
import { LocalImageStore } from './local-image-store.js';

let base: string;
let deps: ImageServiceDeps;
let images: LocalImageService;
let snapshotter: LocalSnapshotter;
let content: LocalContentStore;
let tick = 0;

async function makeDeps(root: string, extra: Partial<ImageServiceDeps> = {}): Promise<ImageServiceDeps> {
  const c = await new LocalContentStore(path.join(root, 'content')).init();
  const s = await new LocalSnapshotter(path.join(root, 'snapshots')).init();
  const store = await new LocalImageStore(path.join(root, 'images')).init();
  return {
    store,
    content: c,
    snapshotter: s,
    logger: silentLogger(),
    now: () => new Date(Date.UTC(2024, 0, 1, 0, 0, tick++)),
    platform: { os: 'linux', architecture: 'amd64' },
    ...extra,
  };
}

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-imgsvc-'));
  deps = await makeDeps(path.join(base, 'a'));
  images = new LocalImageService(deps);
  snapshotter = deps.snapshotter as LocalSnapshotter;
  content = deps.content as LocalContentStore;
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const rootfs = () =>
  buildTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/hello', data: '#!/bin/sh\necho hello\n', mode: 0o755 },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: 'ID=skiff\n' },
  ]);

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of content.list()) n++;
  return n;
}

async function importAs(
  ref: string,
  files: Record<string, string>,
  changes: string[] = [],
): Promise<ImageRecord> {
  const tar = await buildTar(Object.entries(files).map(([name, data]) => ({ name, data })));
  return images.importTar(Readable.from([tar]), { ref, changes });
}

describe('importTar', () => {
  it('makes a one-layer image of a plain rootfs tar, with changes, message and a tag', async () => {
    const tar = await rootfs();
    const img = await images.importTar(Readable.from([tar]), {
      ref: 'skiff/base',
      changes: ['CMD ["/bin/hello"]', 'ENV A=1', 'LABEL team=core'],
      message: 'from a test',
    });
    expect(img.repoTags).toEqual(['docker.io/skiff/base:latest']);
    expect(img.layers).toEqual([
      {
        diffId: sha256(tar),
        chainId: sha256(tar),
        size: tar.length,
        blob: { digest: sha256(tar), size: tar.length, mediaType: 'application/vnd.oci.image.layer.v1.tar' },
      },
    ]);
    expect(img.config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/hello'], Env: ['A=1'], Labels: { team: 'core' } },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ comment: 'from a test' }],
    });
    // The ID is the digest of the config bytes as stored.
    expect(sha256(await content.readBuffer(img.id))).toBe(img.id);
    const dir = snapshotter.dir(img.layers[0]?.chainId as Digest);
    expect(await readFile(path.join(dir, 'bin/hello'), 'utf8')).toContain('echo hello');
    expect((await lstat(path.join(dir, 'bin/hello'))).mode & 0o777).toBe(0o755);
  });

  it('imports a gzip tar, keeping the compressed blob and the diff ID of the tar inside', async () => {
    const tar = await rootfs();
    const gz = gzipSync(tar);
    const img = await images.importTar(Readable.from([gz]), { platform: 'linux/arm64/v8' });
    expect(img.layers[0]?.diffId).toBe(sha256(tar));
    expect(img.layers[0]?.blob).toMatchObject({
      digest: sha256(gz),
      mediaType: expect.stringMatching(/gzip$/),
    });
    expect(img.config).toMatchObject({ architecture: 'arm64', variant: 'v8' });
    expect(img.config.history?.[0]?.comment).toBe('Imported from -');
    expect(img.repoTags).toEqual([]);
  });

  it('shares the snapshot when the same tar is imported again', async () => {
    const tar = await rootfs();
    const a = await images.importTar(Readable.from([tar]), { ref: 'a' });
    const b = await images.importTar(Readable.from([tar]), { ref: 'b' });
    expect(b.layers[0]?.chainId).toBe(a.layers[0]?.chainId);
    expect(await snapshotter.list()).toHaveLength(1);
  });

  it('leaves nothing behind when the upload is not a tar', async () => {
    const garbage = Buffer.alloc(4096, 'not a tar at all ');
    await expect(images.importTar(Readable.from([garbage]), { ref: 'bad' })).rejects.toMatchObject({
      code: 'SKIFF_INVALID_ARGUMENT',
    });
    expect(await snapshotter.list()).toEqual([]);
    expect(await blobCount()).toBe(0);
    expect(await images.list()).toEqual([]);
  });

  it('rejects a bad change before reading the upload', async () => {
    const src = Readable.from([await rootfs()]);
    await expect(images.importTar(src, { changes: ['RUN rm -rf /'] })).rejects.toThrow(/not a valid change/);
    expect(src.readableDidRead).toBe(false);
    await expect(images.importTar(src, { ref: `x@${sha256('m')}` })).rejects.toThrow(/not a digest/);
  });
});

describe('list, inspect, history, tag', () => {
  it('applies Docker filters: dangling, label, reference, before and since', async () => {
    const first = await importAs('redis:7', { a: '1' }, ['LABEL tier=cache']);
    const second = await importAs('team/app:1', { b: '2' }, ['LABEL tier=web', 'LABEL owner=me']);
    const third = await importAs('team/app:2', { c: '3' });
    await images.tag(third.id, 'team/app:latest');
    await images.importTar(Readable.from([await buildTar([{ name: 'd', data: '4' }])]), {});
    const ids = async (filters: Record<string, string[]>) =>
      (await images.list({ filters })).map((r) => r.id).sort();
    expect(await images.list({})).toHaveLength(4);
    expect(await ids({ dangling: ['true'] })).toHaveLength(1);
    expect(await ids({ dangling: ['false'] })).toHaveLength(3);
    expect(await ids({ label: ['tier'] })).toEqual([first.id, second.id].sort());
    expect(await ids({ label: ['tier=web', 'owner=me'] })).toEqual([second.id]);
    expect(await ids({ reference: ['redis'] })).toEqual([first.id]);
    expect(await ids({ reference: ['team/*:1'] })).toEqual([second.id]);
    expect(await ids({ reference: ['*'] })).toEqual([first.id]);
    expect(await ids({ before: ['team/app:1'] })).toEqual([first.id]);
    expect(await ids({ since: ['team/app:1'] })).toHaveLength(2);
    await expect(images.list({ filters: { color: ['red'] } })).rejects.toThrow("invalid filter 'color'");
    await expect(images.list({ filters: { dangling: ['maybe'] } })).rejects.toThrow(/dangling=maybe/);
  });

  it('inspects by name and reports history newest first with layer sizes', async () => {
    const img = await importAs('hist:1', { a: 'x' });
    expect((await images.inspect('hist:1')).id).toBe(img.id);
    await expect(images.inspect('nope:1')).rejects.toThrow('No such image: nope:1');
    const history = await images.history('hist:1');
    expect(history).toEqual([
      {
        Id: img.id,
        Created: Math.floor(Date.parse(img.config.created as string) / 1000),
        CreatedBy: '',
        Tags: ['hist:1'],
        Size: img.layers[0]?.size,
        Comment: 'Imported from -',
      },
    ]);
  });
});

describe('pull and push', () => {
  it('fail with SKIFF_REGISTRY_UNAVAILABLE naming the image when no registry client is wired', async () => {
    await expect(images.pull('redis:7', {})).rejects.toMatchObject({
      code: 'SKIFF_REGISTRY_UNAVAILABLE',
      message: expect.stringContaining('redis:7'),
    });
    await expect(images.push('redis:7', {})).rejects.toMatchObject({ code: 'SKIFF_REGISTRY_UNAVAILABLE' });
  });

  it('delegate to the registry collaborator', async () => {
    const calls: string[] = [];
    const img = await importAs('x:1', { a: '1' });
    const svc = new LocalImageService({
      ...deps,
      registry: {
        pull: async (ref) => {
          calls.push(`pull ${ref}`);
          return img;
        },
        push: async (ref) => {
          calls.push(`push ${ref}`);
          return { digest: sha256('m'), size: 1 };
        },
      },
    });
    expect((await svc.pull('x:1', {})).id).toBe(img.id);
    await svc.push('x:1', {});
    expect(calls).toEqual(['pull x:1', 'push x:1']);
  });
});

describe('remove and prune', () => {
  it('deletes snapshots and blobs no other image uses, and keeps shared ones', async () => {
    const tar = await rootfs();
    const a = await images.importTar(Readable.from([tar]), { ref: 'a:1' });
    const b = await images.importTar(Readable.from([tar]), { ref: 'b:1', changes: ['CMD ["x"]'] });
    const chain = a.layers[0]?.chainId as Digest;
    const items = await images.remove('a:1', {});
    expect(items).toEqual([{ Untagged: 'a:1' }, { Deleted: a.id }]);
    expect(await snapshotter.stat(chain)).toBeDefined();
    expect(await content.has(a.id)).toBe(false);
    expect(await content.has(sha256(tar))).toBe(true);
    const last = await images.remove(b.id, {});
    expect(last).toEqual([{ Untagged: 'b:1' }, { Deleted: b.id }, { Deleted: chain }]);
    expect(await snapshotter.list()).toEqual([]);
    expect(await blobCount()).toBe(0);
  });

  it('keeps the snapshots of a force-removed image a container still uses', async () => {
    const img = await importAs('used:1', { a: '1' });
    const svc = new LocalImageService({ ...deps, isImageInUse: async (id) => id === img.id });
    await expect(svc.remove('used:1', {})).resolves.toEqual([{ Untagged: 'used:1' }]);
    expect(await svc.remove(img.id, { force: true })).toEqual([{ Deleted: img.id }]);
    expect(await snapshotter.stat(img.layers[0]?.chainId as Digest)).toBeDefined();
  });

  it('prunes dangling images by default and unused tagged ones with dangling=false', async () => {
    const tagged = await importAs('keep:1', { a: '1' });
    const dangling = await images.importTar(Readable.from([await buildTar([{ name: 'z', data: 'z' }])]), {});
    const pruned = await images.prune({});
    expect(pruned.deleted).toContainEqual({ Deleted: dangling.id });
    expect(pruned.spaceReclaimed).toBeGreaterThan(0);
    expect((await images.list({})).map((r) => r.id)).toEqual([tagged.id]);
    const all = await images.prune({ filters: { dangling: ['false'] } });
    expect(all.deleted).toEqual(
      expect.arrayContaining([
        { Untagged: 'keep:1' },
        { Deleted: tagged.id },
        { Deleted: tagged.layers[0]?.chainId },
      ]),
    );
    expect(await images.list({})).toEqual([]);
  });
});

describe('save and load', () => {
  async function entries(archive: Readable): Promise<Map<string, Buffer>> {
    const { extract } = await import('tar-stream');
    const out = new Map<string, Buffer>();
    const ex = extract();
    ex.on('entry', (h, s, next) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => {
        out.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    for await (const chunk of archive) ex.write(chunk as Buffer);
    await new Promise<void>((resolve, reject) => {
      ex.on('finish', () => resolve());
      ex.on('error', reject);
      ex.end(undefined);
    });
    return out;
  }

  it('writes the Docker 25 layout: OCI layout with uncompressed layers plus manifest.json', async () => {
    const tar = await rootfs();
    const img = await images.importTar(Readable.from([gzipSync(tar)]), { ref: 'saved:1' });
    const files = await entries(images.save(['saved:1']));
    const names = [...files.keys()];
    expect(names).toHaveLength(9);
    for (const name of [
      'blobs/',
      'blobs/sha256/',
      'index.json',
      'manifest.json',
      'oci-layout',
      'repositories',
    ]) {
      expect(names).toContain(name);
    }
    expect(names).toContain(`blobs/sha256/${img.id.slice(7)}`);
    expect(names).toContain(`blobs/sha256/${sha256(tar).slice(7)}`);
    for (const [name, data] of files) {
      if (/^blobs\/sha256\/[a-f0-9]{64}$/.test(name)) expect(sha256(data)).toBe(`sha256:${name.slice(13)}`);
    }
    expect(files.get(`blobs/sha256/${sha256(tar).slice(7)}`)?.equals(tar)).toBe(true);
    expect(JSON.parse(files.get('manifest.json')?.toString() ?? '')).toEqual([
      {
        Config: `blobs/sha256/${img.id.slice(7)}`,
        RepoTags: ['saved:1'],
        Layers: [`blobs/sha256/${sha256(tar).slice(7)}`],
      },
    ]);
    const index = JSON.parse(files.get('index.json')?.toString() ?? '');
    expect(index.manifests[0].annotations).toEqual({
      'io.containerd.image.name': 'docker.io/library/saved:1',
      'org.opencontainers.image.ref.name': '1',
    });
    expect(JSON.parse(files.get('repositories')?.toString() ?? '')).toEqual({
      saved: { '1': sha256(tar).slice(7) },
    });
  });

  it('round-trips through save and load into another store with the same ID, tags and files', async () => {
    const img = await importAs('trip:1', { 'etc/motd': 'hi' }, ['CMD ["sh"]']);
    await images.tag('trip:1', 'trip:2');
    const other = await makeDeps(path.join(base, 'b'));
    const target = new LocalImageService(other);
    const messages: string[] = [];
    const result = await target.load(images.save(['trip']), {
      progress: (m) => messages.push(m.stream ?? ''),
    });
    expect(result.loaded.sort()).toEqual(['trip:1', 'trip:2']);
    expect(messages).toContain('Loaded image: trip:1\n');
    const loaded = await target.inspect('trip:2');
    expect(loaded.id).toBe(img.id);
    expect(loaded.config.config?.Cmd).toEqual(['sh']);
    const dir = other.snapshotter.dir(loaded.layers[0]?.chainId as Digest);
    expect(await readFile(path.join(dir, 'etc/motd'), 'utf8')).toBe('hi');
    // Saving again from the loaded copy gives the same layer bytes.
    const again = await new LocalImageService(other).load(target.save([img.id]));
    expect(again.loaded).toEqual([img.id]);
  });

  it('loads the legacy layout with a symlinked duplicate layer.tar', async () => {
    const layer = await buildTar([{ name: 'legacy', data: 'old school' }]);
    const diffId = sha256(layer);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [diffId, diffId] },
      }),
    );
    const archive = await buildTar([
      { name: 'aaa/', type: 'directory' },
      { name: 'aaa/layer.tar', data: layer },
      { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
      { name: `${sha256(config).slice(7)}.json`, data: config },
      {
        name: 'manifest.json',
        data: JSON.stringify([
          {
            Config: `${sha256(config).slice(7)}.json`,
            RepoTags: ['old:1'],
            Layers: ['aaa/layer.tar', 'bbb/layer.tar'],
          },
        ]),
      },
    ]);
    expect((await images.load(Readable.from([archive]))).loaded).toEqual(['old:1']);
    const img = await images.inspect('old:1');
    expect(img.id).toBe(sha256(config));
    expect(img.layers.map((l) => l.size)).toEqual([layer.length, layer.length]);
    expect(await readdir(snapshotter.dir(img.layers[1]?.chainId as Digest))).toEqual(['legacy']);
  });

  describe('hostile archives', () => {
    async function archiveWith(manifest: unknown, extra: Parameters<typeof buildTar>[0] = []) {
      const layer = await buildTar([{ name: 'f', data: 'x' }]);
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
        }),
      );
      return buildTar([
        { name: 'layer.tar', data: layer },
        { name: 'config.json', data: config },
        { name: 'manifest.json', data: JSON.stringify(manifest) },
        ...extra,
      ]);
    }

    async function expectNothingStored() {
      expect(await images.list({})).toEqual([]);
      expect(await snapshotter.list()).toEqual([]);
      expect(await blobCount()).toBe(0);
    }

    it('refuses manifest paths that leave the archive', async () => {
      for (const bad of ['../../etc/passwd', 'x/../../layer.tar']) {
        const tar = await archiveWith([{ Config: 'config.json', RepoTags: ['h:1'], Layers: [bad] }]);
        await expect(images.load(Readable.from([tar]))).rejects.toMatchObject({
          code: 'SKIFF_UNSAFE_ARCHIVE',
        });
      }
      await expectNothingStored();
    });

    it('never reads a file of the host named by an absolute path', async () => {
      const tar = await archiveWith([{ Config: '/etc/passwd', RepoTags: ['h:1'], Layers: ['layer.tar'] }]);
      await expect(images.load(Readable.from([tar]))).rejects.toThrow(/has no "\/etc\/passwd"/);
      await expectNothingStored();
    });

    it('refuses symlinks that leave the archive', async () => {
      const tar = await archiveWith(
        [{ Config: 'config.json', RepoTags: ['h:1'], Layers: ['evil.tar'] }],
        [{ name: 'evil.tar', type: 'symlink', linkname: '../../../etc/shadow' }],
      );
      await expect(images.load(Readable.from([tar]))).rejects.toMatchObject({ code: 'SKIFF_UNSAFE_ARCHIVE' });
      await expectNothingStored();
    });

    it('refuses a layer that does not match the diff ID in the config', async () => {
      const other = await buildTar([{ name: 'other', data: 'y' }]);
      const tar = await archiveWith(
        [{ Config: 'config.json', RepoTags: ['h:1'], Layers: ['swapped.tar'] }],
        [{ name: 'swapped.tar', data: other }],
      );
      await expect(images.load(Readable.from([tar]))).rejects.toMatchObject({
        code: 'SKIFF_DIGEST_MISMATCH',
      });
      await expectNothingStored();
    });

    it('refuses an OCI blob whose content differs from its name', async () => {
      const fake = `blobs/sha256/${sha256('something else').slice(7)}`;
      const tar = await archiveWith(
        [{ Config: fake, RepoTags: ['h:1'], Layers: ['layer.tar'] }],
        [{ name: fake, data: '{}' }],
      );
      await expect(images.load(Readable.from([tar]))).rejects.toMatchObject({
        code: 'SKIFF_DIGEST_MISMATCH',
      });
      await expectNothingStored();
    });

    it('refuses malformed manifests and non-archives with clear messages', async () => {
      await expect(images.load(Readable.from([await archiveWith({ not: 'a list' })]))).rejects.toThrow(
        /manifest.json is not a JSON array/,
      );
      await expect(images.load(Readable.from([await buildTar([{ name: 'x', data: 'y' }])]))).rejects.toThrow(
        /neither manifest.json nor index.json/,
      );
      await expect(images.load(Readable.from([Buffer.alloc(2048, 7)]))).rejects.toMatchObject({
        code: 'SKIFF_INVALID_ARGUMENT',
      });
      await expectNothingStored();
    });
  });
});
