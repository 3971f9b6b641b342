import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaType } from '../../src/constants.js';
import { chainIds, sha256 } from '../../src/content/digest.js';
import { RegistryError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import {
  type RunningRegistryServer,
  startRegistryServer,
} from '../../src/registry/server/start-registry-server.js';
import { makeClient } from './support/client-harness.js';
import { startProxy } from './support/registry-proxy.js';
import { buildImage, makeTar, seedImage } from './support/test-image.js';

let root: string;
let server: RunningRegistryServer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skiff-push-'));
  server = await startRegistryServer({
    addr: '127.0.0.1:0',
    root: path.join(root, 'registry'),
    logger: silentLogger(),
  });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function client(name: string) {
  const h = await makeClient(path.join(root, name));
  cleanups.push(() => h.client.close());
  return h;
}

describe('registry client: push', () => {
  it('pushes an image whose layers exist only as uncompressed tars, then a second push changes nothing', async () => {
    const h = await client('builder');
    // What import or build leave: the config and each layer's tar (digest = diff ID), no compressed blob.
    const tars = [await makeTar({ 'a.txt': 'one' }), await makeTar({ 'b.bin': randomBytes(40_000) })];
    const diffIds = tars.map((t) => sha256(t));
    for (const t of tars) await h.content.put(t);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
    const { digest: id } = await h.content.put(config);
    const chain = chainIds(diffIds);
    await h.images.put({
      configDigest: id,
      config: JSON.parse(config.toString()),
      layers: diffIds.map((d, i) => ({ diffId: d, chainId: chain[i]!, size: tars[i]!.length })),
      tags: [`${server.host}/built:1`],
    });
    const proxy = await startProxy(server.host);
    cleanups.push(proxy.close);
    await h.images.tag(id, `${proxy.host}/built:1`);
    const first = await h.client.push(`${proxy.host}/built:1`);
    const manifest = JSON.parse(
      await (
        await fetch(`${server.url}/v2/built/manifests/1`, { headers: { Accept: MediaType.OciManifest } })
      ).text(),
    ) as { mediaType: string; layers: { mediaType: string; digest: string }[] };
    expect(manifest.mediaType).toBe(MediaType.OciManifest);
    expect(manifest.layers).toEqual(
      diffIds.map((d, i) => ({ mediaType: MediaType.OciLayer, digest: d, size: tars[i]!.length })),
    );
    proxy.requests.length = 0;
    const messages: string[] = [];
    const second = await h.client.push(`${proxy.host}/built:1`, {
      progress: (m) => m.status && messages.push(m.status),
    });
    expect(second).toEqual(first);
    expect(proxy.requests.every((r) => r.method === 'HEAD')).toBe(true);
    expect(messages.filter((m) => m === 'Layer already exists')).toHaveLength(2);

    const other = await client('puller');
    const pulled = await other.client.pull(`${server.host}/built:1`);
    expect(pulled.id).toBe(id);
    expect(pulled.repoDigests).toEqual([`${server.host}/built@${first.digest}`]);
    expect(pulled.layers.map((l) => l.diffId)).toEqual(diffIds);
  });

  it('reports Docker progress for a push: Preparing, Pushing, Pushed, the digest line and aux', async () => {
    const image = buildImage([{ tar: await makeTar({ f: randomBytes(10_000) }), compression: 'gzip' }], {
      format: 'docker',
    });
    await seedImage(server.url, 'src', '1', image);
    const h = await client('progress');
    await h.client.pull(`${server.host}/src:1`);
    const port = server.host.split(':')[1];
    await h.images.tag(image.configDigest, `localhost:${port}/dst:2`);
    const messages: { status?: string; aux?: Record<string, unknown> }[] = [];
    const pushed = await h.client.push(`localhost:${port}/dst:2`, { progress: (m) => messages.push(m) });
    expect(pushed.digest).toBe(image.manifestDigest);
    const statuses = messages.map((m) => m.status);
    expect(statuses).toEqual(
      expect.arrayContaining([
        'Preparing',
        'Pushing',
        'Pushed',
        `2: digest: ${image.manifestDigest} size: ${image.manifest.length}`,
      ]),
    );
    expect(messages.at(-1)?.aux).toEqual({
      Tag: '2',
      Digest: image.manifestDigest,
      Size: image.manifest.length,
    });
  });

  it('refuses to push an image whose layer content is gone, naming the layer', async () => {
    const h = await client('missing');
    const diffId = sha256('absent');
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } }),
    );
    const { digest: id } = await h.content.put(config);
    await h.images.put({
      configDigest: id,
      config: JSON.parse(config.toString()),
      layers: [{ diffId, chainId: diffId, size: 1 }],
      tags: [`${server.host}/gone:1`],
    });
    const err = (await h.client.push(`${server.host}/gone:1`).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toContain(diffId);
  });
});

describe('registry client: disk full', () => {
  it('surfaces ENOSPC as a clear error and keeps nothing half-stored', async () => {
    const image = buildImage([{ tar: await makeTar({ big: randomBytes(3 << 20) }), compression: 'gzip' }]);
    await seedImage(server.url, 'huge', '1', image);
    const small = path.join(root, 'small');
    await mkdir(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const h = await makeClient(small);
      try {
        const err = (await h.client.pull(`${server.host}/huge:1`).catch((e: unknown) => e)) as RegistryError;
        expect(err).toBeInstanceOf(RegistryError);
        expect(err.code).toBe('SKIFF_NO_SPACE');
        expect(err.message).toContain('no space left on device');
        expect(err.message).toContain(image.layers[0]!.digest);
        expect(err.message).toContain(server.host);
        expect(await h.content.has(image.layers[0]!.digest)).toBe(false);
        expect(await readdir(path.join(h.content.root, 'ingest'))).toEqual([]);
        expect(await h.snapshotter.stat(image.layers[0]!.diffId)).toBeUndefined();
        expect(await h.images.find(image.configDigest)).toBeUndefined();
      } finally {
        await h.client.close();
      }
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
