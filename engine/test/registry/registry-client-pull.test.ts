import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chainIds, digestHex } from '../../src/content/digest.js';
import { DigestMismatchError, RegistryError } from '../../src/errors.js';
import { transpileForChild } from '../../src/layers/testing/transpile-for-child.js';
import { WorkerLayerUnpacker } from '../../src/layers/worker-layer-unpacker.js';
import { silentLogger } from '../../src/logger.js';
import {
  type RunningRegistryServer,
  startRegistryServer,
} from '../../src/registry/server/start-registry-server.js';
import { makeClient } from './support/client-harness.js';
import { startProxy } from './support/registry-proxy.js';
import {
  buildImage,
  buildIndex,
  makeTar,
  putManifest,
  seedImage,
  type TestImage,
} from './support/test-image.js';

let root: string;
let server: RunningRegistryServer;
const cleanups: (() => Promise<unknown>)[] = [];

/** Every test runs twice: layers unpacked on the calling thread, and in worker threads. */
const UNPACKERS = ['on the calling thread', 'in worker threads'] as const;
let unpackWhere: (typeof UNPACKERS)[number] = 'on the calling thread';
let workerJs: string;
let workers: WorkerLayerUnpacker;

beforeAll(async () => {
  // Worker threads run JavaScript: the worker entry and its imports, transpiled.
  workerJs = await mkdtemp(path.join(tmpdir(), 'skiff-pull-worker-js-'));
  const src = fileURLToPath(new URL('../../src/', import.meta.url));
  const workerUrl = await transpileForChild(path.join(src, 'layers/unpack-worker.ts'), src, workerJs, {
    nodeModules: fileURLToPath(new URL('../../../node_modules', import.meta.url)),
  });
  workers = new WorkerLayerUnpacker({ workerUrl });
});

afterAll(async () => {
  await workers.close();
  await rm(workerJs, { recursive: true, force: true });
});

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skiff-pull-'));
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

async function threeLayerImage(): Promise<TestImage> {
  return buildImage([
    {
      tar: await makeTar({ 'etc/os-release': 'ID=test\n', 'bin/a': randomBytes(50_000) }),
      compression: 'gzip',
    },
    { tar: await makeTar({ 'data/z': Buffer.alloc(200_000, 7) }), compression: 'zstd' },
    { tar: await makeTar({ 'data/plain': 'plain layer' }), compression: 'none' },
  ]);
}

async function client(extra = {}) {
  const unpack = unpackWhere === 'in worker threads' ? { unpackLayer: workers.unpack } : {};
  const h = await makeClient(path.join(root, `client-${Math.random().toString(36).slice(2)}`), {
    ...unpack,
    ...extra,
  });
  cleanups.push(() => h.client.close());
  return h;
}

describe.each(UNPACKERS)('unpacking %s', (where) => {
  beforeEach(() => {
    unpackWhere = where;
  });

  describe('registry client: pull', () => {
    it('pulls gzip, zstd and plain layers into snapshots, keeps the blobs and records the image', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'team/app', 'v1', image);
      const { client: c, content, snapshotter, images, messages, progress } = await client();
      const record = await c.pull(`${server.host}/team/app:v1`, { progress });
      expect(record.id).toBe(image.configDigest);
      expect(record.repoTags).toEqual([`${server.host}/team/app:v1`]);
      expect(record.repoDigests).toEqual([`${server.host}/team/app@${image.manifestDigest}`]);
      expect(record.manifest).toEqual({
        digest: image.manifestDigest,
        mediaType: image.mediaType,
        size: image.manifest.length,
      });
      const chain = chainIds(image.layers.map((l) => l.diffId));
      expect(record.layers.map((l) => l.chainId)).toEqual(chain);
      for (const [i, l] of image.layers.entries()) {
        expect(record.layers[i]!.blob).toEqual({
          digest: l.digest,
          size: l.blob.length,
          mediaType: l.mediaType,
        });
        expect((await content.readBuffer(l.digest)).equals(l.blob)).toBe(true);
        expect(await snapshotter.stat(chain[i]!)).toBeDefined();
      }
      expect((await content.readBuffer(image.manifestDigest)).equals(image.manifest)).toBe(true);
      expect(await images.find(image.configDigest)).toBeDefined();
      const statuses = messages.map((m) => m.status);
      expect(statuses[0]).toBe('Pulling from team/app');
      expect(messages[0]!.id).toBe('v1');
      for (const s of [
        'Pulling fs layer',
        'Verifying Checksum',
        'Download complete',
        'Extracting',
        'Pull complete',
      ]) {
        expect(statuses).toContain(s);
      }
      expect(statuses).toContain(`Digest: ${image.manifestDigest}`);
      expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${server.host}/team/app:v1`);
      const downloading = messages.find((m) => m.status === 'Downloading');
      expect(downloading?.progressDetail?.total).toBeGreaterThan(0);
      expect(downloading?.id).toMatch(/^[0-9a-f]{12}$/);
      // Nothing left in the ingest area.
      expect(await readdir(path.join(content.root, 'ingest'))).toEqual([]);
    });

    it('answers a second pull from local state without fetching blobs', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'app', 'latest', image);
      const proxy = await startProxy(server.host);
      cleanups.push(proxy.close);
      const { client: c, messages, progress } = await client();
      await c.pull(`${proxy.host}/app`);
      proxy.requests.length = 0;
      await c.pull(`${proxy.host}/app`, { progress });
      expect(proxy.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v2/app/manifests/latest']);
      expect(messages.at(-1)?.status).toBe(`Status: Image is up to date for ${proxy.host}/app:latest`);
    });

    it('selects the platform from an index, skipping attestations, and honours --platform', async () => {
      const amd = buildImage([{ tar: await makeTar({ arch: 'amd64' }), compression: 'gzip' }], {
        format: 'docker',
      });
      const arm = buildImage([{ tar: await makeTar({ arch: 'arm64' }), compression: 'gzip' }], {
        format: 'docker',
        architecture: 'arm64',
        variant: 'v8',
      });
      const att = buildImage([{ tar: await makeTar({ att: 'x' }), compression: 'gzip' }]);
      for (const img of [amd, arm, att]) await seedImage(server.url, 'multi', undefined, img);
      const index = buildIndex(
        [
          {
            image: att,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
          },
          { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
        ],
        'docker',
      );
      await putManifest(server.url, 'multi', 'latest', index.bytes, index.mediaType);
      const { client: c } = await client({ platform: { os: 'linux', architecture: 'amd64' } });
      const host = await c.pull(`${server.host}/multi`);
      expect(host.id).toBe(amd.configDigest);
      expect(host.repoDigests).toEqual([`${server.host}/multi@${index.digest}`]);
      expect(host.manifest?.digest).toBe(amd.manifestDigest);
      const other = await c.pull(`${server.host}/multi`, { platform: 'linux/aarch64' });
      expect(other.id).toBe(arm.configDigest);
      const err = await c.pull(`${server.host}/multi`, { platform: 'linux/s390x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).code).toBe('SKIFF_PLATFORM_NOT_FOUND');
      expect((err as Error).message).toContain('no matching manifest for linux/s390x');
      expect((err as Error).message).toContain('linux/arm64/v8, linux/amd64');
      expect((err as Error).message).not.toContain('unknown');
    });

    it('pulls by digest and verifies the manifest against it', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'bydigest', undefined, image);
      const { client: c } = await client();
      const record = await c.pull(`${server.host}/bydigest@${image.manifestDigest}`);
      expect(record.repoTags).toEqual([]);
      expect(record.repoDigests).toEqual([`${server.host}/bydigest@${image.manifestDigest}`]);
    });

    it('pulls two images sharing a base layer at once and fetches each blob once', async () => {
      const base = { tar: await makeTar({ base: randomBytes(300_000) }), compression: 'gzip' as const };
      const one = buildImage([base, { tar: await makeTar({ one: '1' }), compression: 'gzip' }]);
      const two = buildImage([base, { tar: await makeTar({ two: '2' }), compression: 'gzip' }]);
      await seedImage(server.url, 'one', 'latest', one);
      await seedImage(server.url, 'two', 'latest', two);
      const proxy = await startProxy(server.host);
      cleanups.push(proxy.close);
      const { client: c, snapshotter } = await client();
      await Promise.all([c.pull(`${proxy.host}/one`), c.pull(`${proxy.host}/two`)]);
      const baseFetches = proxy.requests.filter((r) => r.url.endsWith(`/blobs/${one.layers[0]!.digest}`));
      expect(baseFetches).toHaveLength(1);
      for (const img of [one, two]) {
        for (const chainId of chainIds(img.layers.map((l) => l.diffId)))
          expect(await snapshotter.stat(chainId)).toBeDefined();
      }
    });
  });

  describe('registry client: pull faults', () => {
    it('names the image and registry for an unknown tag or repository', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'known', 'v1', image);
      const { client: c } = await client();
      for (const ref of [`${server.host}/known:v2`, `${server.host}/unknown/repo:v1`]) {
        const err = (await c.pull(ref).catch((e: unknown) => e)) as RegistryError;
        expect(err).toBeInstanceOf(RegistryError);
        expect(err.status).toBe(404);
        expect(err.code).toBe('SKIFF_REGISTRY_NOT_FOUND');
        expect(err.message).toContain(ref.split('/').slice(1).join('/').split(':')[0]);
        expect(err.message).toContain(server.host);
        expect(err.message).toContain('404');
      }
    });

    it('reports an unknown registry host without retrying for ever', async () => {
      const { client: c } = await client();
      const err = (await c
        .pull('registry.does-not-exist.invalid/x:1')
        .catch((e: unknown) => e)) as RegistryError;
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.code).toBe('SKIFF_REGISTRY_UNREACHABLE');
      expect(err.message).toContain('unknown registry host registry.does-not-exist.invalid');
    });

    it('rejects a malformed manifest', async () => {
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.includes('/manifests/')) return false;
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end('{"schemaVersion":2,"config":{"digest":"nope"},"layers":[]}');
        return true;
      });
      cleanups.push(proxy.close);
      const { client: c } = await client();
      const err = (await c.pull(`${proxy.host}/x:1`).catch((e: unknown) => e)) as RegistryError;
      expect(err.code).toBe('SKIFF_MANIFEST_INVALID');
      expect(err.message).toContain(`malformed manifest for ${proxy.host}/x:1 from ${proxy.host}`);
    });

    it('rejects a blob whose bytes do not match its digest after one retry, storing nothing', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'bad', 'v1', image);
      // The plain layer: a flipped byte inside a file keeps the tar valid, so only digests catch it.
      const target = image.layers[2]!;
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.endsWith(target.digest)) return false;
        const corrupt = Buffer.from(target.blob);
        corrupt[515]! ^= 0xff;
        res.writeHead(200, { 'Content-Length': corrupt.length });
        res.end(corrupt);
        return true;
      });
      cleanups.push(proxy.close);
      const { client: c, content, snapshotter } = await client();
      const err = await c.pull(`${proxy.host}/bad:v1`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DigestMismatchError);
      expect((err as Error).message).toContain(target.digest);
      expect((err as Error).message).toContain(proxy.host);
      expect(proxy.requests.filter((r) => r.url.endsWith(target.digest))).toHaveLength(2);
      expect(await content.has(target.digest)).toBe(false);
      const chain = chainIds(image.layers.map((l) => l.diffId));
      expect(await snapshotter.stat(chain[2]!)).toBeUndefined();
      expect(await readdir(path.join(content.root, 'ingest'))).toEqual([]);
    });

    it('rejects a corrupt compressed blob naming the layer and registry, storing nothing', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'badz', 'v1', image);
      const target = image.layers[1]!;
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.endsWith(target.digest)) return false;
        const corrupt = Buffer.from(target.blob);
        for (let i = 20; i < corrupt.length; i += 7) corrupt[i]! ^= 0x5a;
        res.writeHead(200, { 'Content-Length': corrupt.length });
        res.end(corrupt);
        return true;
      });
      cleanups.push(proxy.close);
      const { client: c, content } = await client();
      const err = (await c.pull(`${proxy.host}/badz:v1`).catch((e: unknown) => e)) as Error;
      expect(err instanceof DigestMismatchError || err instanceof RegistryError).toBe(true);
      expect(err.message).toContain(target.digest);
      expect(err.message).toContain(proxy.host);
      expect(await content.has(target.digest)).toBe(false);
      expect(await readdir(path.join(content.root, 'ingest'))).toEqual([]);
    });

    it('rejects a truncated blob, retrying once from the start, and succeeds when the retry is whole', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'trunc', 'v1', image);
      const target = image.layers[0]!;
      let served = 0;
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.endsWith(target.digest) || served++ > 0) return false;
        const half = target.blob.subarray(0, target.blob.length >> 1);
        res.writeHead(200, { 'Content-Length': half.length });
        res.end(half);
        return true;
      });
      cleanups.push(proxy.close);
      const { client: c, content } = await client();
      await c.pull(`${proxy.host}/trunc:v1`);
      const fetches = proxy.requests.filter((r) => r.url.endsWith(target.digest));
      expect(fetches).toHaveLength(2);
      expect(fetches[1]!.range).toBeUndefined();
      expect((await content.readBuffer(target.digest)).equals(target.blob)).toBe(true);
    });

    it('resumes with Range when the connection breaks mid-blob', async () => {
      const big = buildImage([{ tar: await makeTar({ big: randomBytes(2_000_000) }), compression: 'gzip' }]);
      await seedImage(server.url, 'drop', 'v1', big);
      const target = big.layers[0]!;
      let dropped = false;
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.endsWith(target.digest) || dropped) return false;
        dropped = true;
        res.writeHead(200, { 'Content-Length': target.blob.length });
        res.write(target.blob.subarray(0, 700_000), () => setTimeout(() => res.socket?.destroy(), 50));
        return true;
      });
      cleanups.push(proxy.close);
      const { client: c, content } = await client();
      await c.pull(`${proxy.host}/drop:v1`);
      const fetches = proxy.requests.filter((r) => r.url.endsWith(target.digest));
      expect(fetches).toHaveLength(2);
      expect(fetches[1]!.range).toMatch(/^bytes=\d+-$/);
      expect(Number(fetches[1]!.range!.slice(6, -1))).toBeGreaterThan(0);
      expect((await content.readBuffer(target.digest)).equals(target.blob)).toBe(true);
    });

    it('resumes a partial ingest left by a crashed pull without re-downloading what it has', async () => {
      const big = buildImage([{ tar: await makeTar({ big: randomBytes(1_000_000) }), compression: 'gzip' }]);
      await seedImage(server.url, 'crash', 'v1', big);
      const target = big.layers[0]!;
      const proxy = await startProxy(server.host);
      cleanups.push(proxy.close);
      const h = await client();
      // What a killed process leaves: part of the blob under the pull's ingest ref.
      const w = await h.content.writer({ ref: `pull-${digestHex(target.digest)}` });
      w.stream.write(target.blob.subarray(0, 400_000));
      await new Promise((r) => w.stream.once('drain', r).once('finish', r) && setTimeout(r, 20));
      await w.abort({ keepPartial: true });
      await h.client.pull(`${proxy.host}/crash:v1`);
      const fetches = proxy.requests.filter((r) => r.url.endsWith(target.digest));
      expect(fetches.map((f) => f.range)).toEqual(['bytes=400000-']);
      expect((await h.content.readBuffer(target.digest)).equals(target.blob)).toBe(true);
    });

    it('retries 503 and 429 honouring Retry-After', async () => {
      const image = await threeLayerImage();
      await seedImage(server.url, 'busy', 'v1', image);
      let n = 0;
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.includes('/manifests/') || n >= 2) return false;
        n++;
        res.writeHead(n === 1 ? 503 : 429, { 'Retry-After': '1', 'Content-Length': 0 });
        res.end();
        return true;
      });
      cleanups.push(proxy.close);
      const { client: c } = await client();
      const started = Date.now();
      await c.pull(`${proxy.host}/busy:v1`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(proxy.requests.filter((r) => r.url.includes('/manifests/'))).toHaveLength(3);
    });

    it('fails cleanly when the registry dies mid-pull, leaving no partial blob visible', async () => {
      const big = buildImage([{ tar: await makeTar({ big: randomBytes(1_500_000) }), compression: 'gzip' }]);
      await seedImage(server.url, 'dies', 'v1', big);
      const target = big.layers[0]!;
      const proxy = await startProxy(server.host, (req, res) => {
        if (!req.url?.endsWith(target.digest)) return false;
        res.writeHead(200, { 'Content-Length': target.blob.length });
        res.write(target.blob.subarray(0, 500_000), () => {
          res.socket?.destroy();
          void proxy.close();
        });
        return true;
      });
      const { client: c, content, snapshotter } = await client();
      const err = (await c.pull(`${proxy.host}/dies:v1`).catch((e: unknown) => e)) as RegistryError;
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.code).toBe('SKIFF_REGISTRY_UNREACHABLE');
      expect(err.message).toContain(proxy.host);
      expect(await content.has(target.digest)).toBe(false);
      expect(await snapshotter.stat(big.layers[0]!.diffId)).toBeUndefined();
      // The partial ingest stays for a later resume, invisible as a blob.
      const ingest = await readdir(path.join(content.root, 'ingest'));
      expect(ingest).toEqual([`pull-${digestHex(target.digest)}`]);
      const partial = await readFile(path.join(content.root, 'ingest', ingest[0]!, 'data'));
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.length).toBeLessThan(target.blob.length);
    });
  });
});
