import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIds } from '../../src/content/digest.js';
import { silentLogger } from '../../src/logger.js';
import {
  type RunningRegistryServer,
  startRegistryServer,
} from '../../src/registry/server/start-registry-server.js';
import { LocalSnapshotter } from '../../src/snapshots/local-snapshotter.js';
import { startProxy } from './support/registry-proxy.js';
import { buildImage, makeTar, seedImage } from './support/test-image.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const dist = path.join(repo, 'engine', 'dist');

/** One engine process pulling into the shared store under `root` (the compiled engine, as skiffd runs it). */
const CHILD = `
const [root, ref] = process.argv.slice(2);
const load = (p) => import(${JSON.stringify(`${dist}/`)} + p);
const { RegistryClient } = await load('registry/client/registry-client.js');
const { LocalContentStore } = await load('content/local-content-store.js');
const { LocalSnapshotter } = await load('snapshots/local-snapshotter.js');
const { unpackLayer } = await load('layers/unpack-layer.js');
const { silentLogger } = await load('logger.js');
const records = new Map();
const images = {
  find: async (r) => records.get(r),
  get: async (r) => records.get(r),
  put: async (i) => { const rec = { id: i.configDigest, layers: i.layers, repoTags: i.tags ?? [], repoDigests: i.repoDigests ?? [] }; records.set(rec.id, rec); return rec; },
  addRepoDigest: async () => {},
};
const client = new RegistryClient({
  content: await new LocalContentStore(root + '/content').init(),
  snapshotter: await new LocalSnapshotter(root + '/snapshots').init(),
  images, unpackLayer, logger: silentLogger(), dockerConfigPath: root + '/none.json',
});
const rec = await client.pull(ref);
await client.close();
process.stdout.write(JSON.stringify({ id: rec.id }));
`;

let root: string;
let server: RunningRegistryServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skiff-xproc-'));
  server = await startRegistryServer({
    addr: '127.0.0.1:0',
    root: path.join(root, 'registry'),
    logger: silentLogger(),
  });
}, 180_000);

afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe('registry client across processes', () => {
  it('fetches and unpacks a shared layer once when two engine processes pull at the same time', async () => {
    expect(existsSync(path.join(dist, 'registry', 'client', 'registry-client.js'))).toBe(true);
    const base = {
      tar: await makeTar({ 'usr/lib/base.bin': randomBytes(4 << 20) }),
      compression: 'gzip' as const,
    };
    const one = buildImage([base, { tar: await makeTar({ one: '1' }), compression: 'gzip' }]);
    const two = buildImage([base, { tar: await makeTar({ two: '2' }), compression: 'zstd' }]);
    await seedImage(server.url, 'one', 'latest', one);
    await seedImage(server.url, 'two', 'latest', two);
    const proxy = await startProxy(server.host);
    try {
      const script = path.join(root, 'child.mjs');
      await writeFile(script, CHILD);
      const shared = path.join(root, 'store');
      const results = await Promise.all(
        [one, two].map((_, i) =>
          run(process.execPath, [script, shared, `${proxy.host}/${i === 0 ? 'one' : 'two'}:latest`], {
            timeout: 60_000,
          }),
        ),
      );
      expect(results.map((r) => JSON.parse(r.stdout).id)).toEqual([one.configDigest, two.configDigest]);
      const baseDigest = one.layers[0]!.digest;
      expect(proxy.requests.filter((r) => r.url.endsWith(`/blobs/${baseDigest}`))).toHaveLength(1);
      const snapshots = await new LocalSnapshotter(path.join(shared, 'snapshots')).init();
      for (const img of [one, two]) {
        for (const c of chainIds(img.layers.map((l) => l.diffId)))
          expect(await snapshots.stat(c)).toBeDefined();
      }
    } finally {
      await proxy.close();
    }
  });
});
