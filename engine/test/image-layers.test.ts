import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../src/content/digest.js';
import { LocalContentStore } from '../src/content/local-content-store.js';
import type { ImageServiceDeps } from '../src/images/image-service-deps.js';
import { LocalImageService } from '../src/images/local-image-service.js';
import { LocalImageStore } from '../src/images/local-image-store.js';
import { buildTar, type TarEntrySpec } from '../src/layers/testing/tar-fixture.js';
import { silentLogger } from '../src/logger.js';
import { LocalSnapshotter } from '../src/snapshots/local-snapshotter.js';
import { runCommand } from '../src/util/run-command.js';

/**
 * Images end to end on the real kernel: a busybox rootfs imported, unpacked into snapshots and
 * mounted with overlayfs; whiteouts and opaque directories of a second layer seen through a real
 * overlay; `docker save` archives read and written by skopeo, an independent implementation.
 */

let base: string;
let deps: ImageServiceDeps;
let images: LocalImageService;
const mounts: string[] = [];

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-images-e2e-'));
  deps = {
    store: await new LocalImageStore(path.join(base, 'root/images')).init(),
    content: await new LocalContentStore(path.join(base, 'root/content')).init(),
    snapshotter: await new LocalSnapshotter(path.join(base, 'root/snapshots')).init(),
    logger: silentLogger(),
  };
  images = new LocalImageService(deps);
});

afterEach(async () => {
  for (const m of mounts.splice(0).reverse()) await runCommand('umount', ['-l', m], { allowFailure: true });
  await rm(base, { recursive: true, force: true });
});

async function busyboxRootfs(): Promise<Buffer> {
  const busybox = await readFile('/usr/bin/busybox');
  const entries: TarEntrySpec[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', data: busybox, mode: 0o755 },
    ...['sh', 'ls', 'cat', 'echo'].map(
      (n): TarEntrySpec => ({ name: `bin/${n}`, type: 'symlink', linkname: 'busybox' }),
    ),
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'etc/motd', data: 'welcome\n' },
    { name: 'var/', type: 'directory' },
    { name: 'var/lib/', type: 'directory' },
    { name: 'var/lib/old-a', data: 'a' },
    { name: 'var/lib/old-b', data: 'b' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ];
  return buildTar(entries);
}

async function mountOverlay(lowers: string[], withUpper: boolean): Promise<string> {
  const merged = await mkdtemp(path.join(base, 'merged-'));
  let options = `lowerdir=${lowers.join(':')}`;
  if (withUpper) {
    const upper = await mkdtemp(path.join(base, 'upper-'));
    const work = await mkdtemp(path.join(base, 'work-'));
    options += `,upperdir=${upper},workdir=${work}`;
  }
  await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, merged]);
  mounts.push(merged);
  return merged;
}

describe('images on the real kernel', () => {
  it('imports a busybox rootfs whose snapshot mounts as an overlay that runs', async () => {
    const tar = await busyboxRootfs();
    const img = await images.importTar(Readable.from([gzipSync(tar)]), {
      ref: 'skiff-test/busybox:1',
      changes: ['CMD ["/bin/sh"]'],
    });
    expect(img.layers[0]?.diffId).toBe(sha256(tar));
    const lower = deps.snapshotter.dir(img.layers[0]?.chainId as Digest);
    const merged = await mountOverlay([lower], true);
    expect((await readdir(path.join(merged, 'bin'))).sort()).toEqual(['busybox', 'cat', 'echo', 'ls', 'sh']);
    expect((await lstat(path.join(merged, 'tmp'))).mode & 0o7777).toBe(0o1777);
    const run = await runCommand('chroot', [merged, '/bin/sh', '-c', 'cat /etc/motd; echo ran > /tmp/out']);
    expect(run.stdout).toBe('welcome\n');
    expect(await readFile(path.join(merged, 'tmp/out'), 'utf8')).toBe('ran\n');
    // The write went to the upper dir: the shared snapshot is untouched.
    expect(existsSync(path.join(lower, 'tmp/out'))).toBe(false);
  });

  it('shows whiteouts and an opaque directory of a second layer through a real overlay', async () => {
    const layer1 = await busyboxRootfs();
    const layer2 = await buildTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.motd' },
      { name: 'etc/hostname', data: 'layer2\n' },
      { name: 'var/', type: 'directory' },
      { name: 'var/lib/', type: 'directory' },
      { name: 'var/lib/.wh..wh..opq' },
      { name: 'var/lib/new', data: 'n' },
      { name: 'bin/.wh.ls' },
    ]);
    const diffIds = [sha256(layer1), sha256(layer2)];
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }),
    );
    const archive = await buildTar([
      { name: 'l1.tar', data: layer1 },
      { name: 'l2.tar.gz', data: gzipSync(layer2) },
      { name: 'config.json', data: config },
      {
        name: 'manifest.json',
        data: JSON.stringify([
          { Config: 'config.json', RepoTags: ['two:layers'], Layers: ['l1.tar', 'l2.tar.gz'] },
        ]),
      },
    ]);
    await images.load(Readable.from([archive]));
    const img = await images.inspect('two:layers');
    const [lower1, lower2] = img.layers.map((l) => deps.snapshotter.dir(l.chainId));
    const merged = await mountOverlay([lower2 as string, lower1 as string], false);
    expect((await readdir(path.join(merged, 'etc'))).sort()).toEqual(['hostname', 'passwd']);
    expect(await readdir(path.join(merged, 'var/lib'))).toEqual(['new']);
    expect((await readdir(path.join(merged, 'bin'))).sort()).toEqual(['busybox', 'cat', 'echo', 'sh']);
    expect(await readFile(path.join(merged, 'etc/hostname'), 'utf8')).toBe('layer2\n');
  });
});

describe('docker save archives and an independent reader (skopeo)', () => {
  it('writes archives skopeo verifies in both its docker-archive and OCI readers', async () => {
    const img = await images.importTar(Readable.from([await busyboxRootfs()]), {
      ref: 'skiff-test/busybox:1',
      changes: ['ENV HELLO=world'],
    });
    const saved = path.join(base, 'saved.tar');
    await pipeline(images.save(['skiff-test/busybox:1']), createWriteStream(saved));
    const inspect = JSON.parse(
      (await runCommand('skopeo', ['inspect', '--config', `docker-archive:${saved}`])).stdout,
    ) as { rootfs: { diff_ids: string[] }; config: { Env: string[] } };
    expect(inspect.rootfs.diff_ids).toEqual(img.config.rootfs.diff_ids);
    expect(inspect.config.Env).toEqual(['HELLO=world']);
    // skopeo copy re-verifies every blob against its digest.
    const ociDir = path.join(base, 'oci');
    await runCommand('skopeo', ['copy', '--quiet', `oci-archive:${saved}:1`, `oci:${ociDir}:x`]);
    expect(existsSync(path.join(ociDir, 'index.json'))).toBe(true);
  });

  it('loads an archive skopeo wrote in the legacy docker-archive format', async () => {
    const img = await images.importTar(Readable.from([await busyboxRootfs()]), { ref: 'skiff-test/src:1' });
    const saved = path.join(base, 'saved.tar');
    await pipeline(images.save([img.id]), createWriteStream(saved));
    const legacy = path.join(base, 'legacy.tar');
    await runCommand('skopeo', [
      'copy',
      '--quiet',
      `docker-archive:${saved}`,
      `docker-archive:${legacy}:skiff-test/from-skopeo:2`,
    ]);
    const other: ImageServiceDeps = {
      store: await new LocalImageStore(path.join(base, 'other/images')).init(),
      content: await new LocalContentStore(path.join(base, 'other/content')).init(),
      snapshotter: await new LocalSnapshotter(path.join(base, 'other/snapshots')).init(),
      logger: silentLogger(),
    };
    const target = new LocalImageService(other);
    expect((await target.load(createReadStream(legacy))).loaded).toEqual(['skiff-test/from-skopeo:2']);
    const loaded = await target.inspect('skiff-test/from-skopeo:2');
    expect(loaded.config.rootfs.diff_ids).toEqual(img.config.rootfs.diff_ids);
    const dir = other.snapshotter.dir(loaded.layers[0]?.chainId as Digest);
    expect(await readFile(path.join(dir, 'etc/motd'), 'utf8')).toBe('welcome\n');
  });
});
