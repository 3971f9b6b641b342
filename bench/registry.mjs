#!/usr/bin/env node
// Registry benchmark: pull of a ~160 MiB two-layer image (96 MiB incompressible + 64 MiB
// compressible) from Skiff's registry server on loopback, unpacked into snapshots and ready;
// push of the same image; a second pull of it. Goals (issue 4): pull ≥ 300 MiB/s, push ≥ 250
// MiB/s, second pull ≤ 20 ms.
//
// Needs the compiled engine: run `npx tsc -b` first.
// Usage: node bench/registry.mjs [--dir DIR] [--in-process] [--inline] [--compression gzip|zstd|none]
//          [--profile FILE.cpuprofile]
// (DIR: where the stores live, default the OS temp dir)
//
// The machine is shared: besides wall time, each phase reports the CPU time the client process
// (all its threads) and the registry process spent, which varies much less with the load.
// `pull` is the first pull of a fresh process (cold code, unpack workers started for it);
// `warmPull` pulls the image again after removing it, in the same process, as a running engine would.
// With --compression zstd, the CPU of the zstd processes that decompress layers is not counted.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const dist = fileURLToPath(new URL('../engine/dist/', import.meta.url));
const load = (p) => import(path.join(dist, p));
const { startRegistryServer } = await load('registry/server/start-registry-server.js');
const { RegistryClient } = await load('registry/client/registry-client.js');
const { LocalContentStore } = await load('content/local-content-store.js');
const { unpackLayer } = await load('layers/unpack-layer.js');
// --inline: unpack on the main thread (unpackLayer) instead of the client's default worker threads.
const inline = process.argv.includes('--inline');
const { LocalSnapshotter } = await load('snapshots/local-snapshotter.js');
const { silentLogger } = await load('logger.js');

const MiB = 1 << 20;
const dirArg = process.argv.indexOf('--dir');
const compressionArg = process.argv.indexOf('--compression');
const compression = compressionArg > 0 ? process.argv[compressionArg + 1] : 'gzip';
const LAYER_MEDIA_TYPE = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};
if (!LAYER_MEDIA_TYPE[compression]) throw new Error(`--compression: gzip, zstd or none, not ${compression}`);

/** A layer blob as registries hold them: gzip -1 (fast, as the bench needs), zstd -3 (its default) or the tar. */
function compress(tar) {
  if (compression === 'gzip') return gzipSync(tar, { level: 1 });
  if (compression === 'none') return tar;
  const out = spawnSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 30 });
  if (out.status !== 0) throw new Error(`zstd failed: ${out.stderr}`);
  return out.stdout;
}
const base = await mkdtemp(
  path.join(dirArg > 0 ? process.argv[dirArg + 1] : tmpdir(), 'skiff-bench-registry-'),
);
const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(name, data) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  pack.entry({ name, mode: 0o644, mtime: new Date(0) }, data);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function compressible(size) {
  const out = Buffer.alloc(size);
  const words = Buffer.from('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ');
  for (let i = 0; i < size; i += words.length) words.copy(out, i);
  for (let i = 0; i < size; i += 4096) out[i] = Math.floor(Math.random() * 256);
  return out;
}

/** A minimal in-memory image store (the pull records the image through it). */
class BenchImages {
  records = new Map();
  tags = new Map();
  async find(ref) {
    return this.records.get(ref) ?? this.records.get(this.tags.get(ref));
  }
  async get(ref) {
    const r = await this.find(ref);
    if (!r) throw new Error(`no image ${ref}`);
    return r;
  }
  async put(i) {
    const r = {
      id: i.configDigest,
      config: i.config,
      layers: i.layers,
      repoTags: i.tags ?? [],
      repoDigests: i.repoDigests ?? [],
      manifest: i.manifest,
      addedAt: Date.now(),
      size: 0,
    };
    this.records.set(r.id, r);
    for (const t of i.tags ?? []) this.tags.set(t, r.id);
    return r;
  }
  async tag(id, ref) {
    this.tags.set(ref, (await this.get(id)).id);
  }
  async addRepoDigest() {}
  async list() {
    return [...this.records.values()];
  }
}

/** With `--profile FILE`, the first pull runs under the V8 CPU profiler (open FILE in DevTools). */
async function startProfile() {
  const at = process.argv.indexOf('--profile');
  if (at < 0) return { stop: async () => {} };
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(process.argv[at + 1], JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function seed(url, repo, tag, blobs, manifest, mediaType) {
  for (const b of blobs) {
    const post = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const loc = new URL(post.headers.get('location'), url);
    loc.searchParams.set('digest', sha(b));
    const put = await fetch(loc, { method: 'PUT', body: b });
    if (put.status !== 201) throw new Error(`seed blob: ${put.status}`);
  }
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'Content-Type': mediaType },
  });
  if (res.status !== 201) throw new Error(`seed manifest: ${res.status}`);
}

async function newClient(name) {
  const root = path.join(base, name);
  const content = await new LocalContentStore(path.join(root, 'content')).init();
  const images = new BenchImages();
  const snapshotter = await new LocalSnapshotter(path.join(root, 'snapshots')).init();
  const client = new RegistryClient({
    content,
    snapshotter,
    images,
    ...(inline ? { unpackLayer } : {}),
    logger: silentLogger(),
    dockerConfigPath: path.join(root, 'none.json'),
  });
  return { client, images, content, snapshotter };
}

/** Forgets a pulled image: its record, snapshots and blobs (as `rmi` would), so it can be pulled again. */
async function forget(stores, ref) {
  const record = await stores.images.find(ref);
  stores.images.records.delete(record.id);
  stores.images.tags.clear();
  for (const layer of record.layers) {
    await stores.snapshotter.remove(layer.chainId);
    await stores.content.delete(layer.blob.digest);
  }
  await stores.content.delete(record.id);
  await stores.content.delete(record.manifest.digest);
}

/**
 * The registry runs in its own process, as `skiff registry serve` does, so the client's numbers
 * are not shared with the server's work on the same event loop.
 */
async function startServerProcess(root) {
  const script = `
    const { startRegistryServer } = await import(${JSON.stringify(path.join(dist, 'registry/server/start-registry-server.js'))});
    const { silentLogger } = await import(${JSON.stringify(path.join(dist, 'logger.js'))});
    const s = await startRegistryServer({ addr: '127.0.0.1:0', root: ${JSON.stringify(root)}, logger: silentLogger() });
    process.stdout.write(s.host + '\\n');
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const host = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (code) => reject(new Error(`registry server exited with ${code}`)));
  });
  return {
    host,
    url: `http://${host}`,
    cpuMs: () => processCpuMs(child.pid),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** CPU time (user + system, all threads) of another process, from /proc (Linux). */
async function processCpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs `fn`, returning its wall time and the CPU the client and the server spent meanwhile. */
async function measure(fn) {
  const serverCpu = server.cpuMs ?? (async () => 0);
  const cpu0 = process.cpuUsage();
  const s0 = await serverCpu();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    ms,
    clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    serverCpuMs: (await serverCpu()) - s0,
  };
}

/**
 * Builds the two layers and seeds the registry with the image; returns only sizes, so none of the
 * 260 MiB of buffers stays reachable while the pull is measured (live external memory in this
 * process would change the garbage collector's pacing from what an engine sees).
 */
async function buildImage(url) {
  const tars = [
    await tarOf('random.bin', randomBytes(96 * MiB)),
    await tarOf('text.txt', compressible(64 * MiB)),
  ];
  const blobs = tars.map(compress);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: tars.map(sha) },
    }),
  );
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha(config),
        size: config.length,
      },
      layers: blobs.map((b) => ({
        mediaType: LAYER_MEDIA_TYPE[compression],
        digest: sha(b),
        size: b.length,
      })),
    }),
  );
  await seed(url, 'bench/image', 'v1', [...blobs, config], manifest, mediaType);
  const unpacked = tars.reduce((n, t) => n + t.length, 0) / MiB;
  const compressed = blobs.reduce((n, b) => n + b.length, 0) / MiB;
  return { unpacked, compressed };
}

const server = process.argv.includes('--in-process')
  ? await startRegistryServer({
      addr: '127.0.0.1:0',
      root: path.join(base, 'registry'),
      logger: silentLogger(),
    })
  : await startServerProcess(path.join(base, 'registry'));
try {
  process.stderr.write('building the image…\n');
  const { unpacked, compressed } = await buildImage(server.url);

  const stores = await newClient('client');
  const { client, images } = stores;
  const ref = `${server.host}/bench/image:v1`;
  const profile = await startProfile();
  const pulled = await measure(() => client.pull(ref));
  const pullMs = pulled.ms;
  await profile.stop();

  const second = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await client.pull(ref);
    second.push(performance.now() - t);
  }

  // The same pull again after removing the image, in this warmed-up process (compiled code, idle
  // unpack workers): what a running engine sees for every pull after its first.
  await forget(stores, ref);
  const warm = await measure(() => client.pull(ref));

  // Push under another host name for the same server, so nothing is mounted or already there.
  const target = `localhost:${server.host.split(':')[1]}/bench/pushed:v1`;
  await images.tag((await images.find(ref)).id, target);
  const pushed = await measure(() => client.push(target));
  const pushMs = pushed.ms;
  await client.close();

  const fmt = (n) => n.toFixed(1);
  const results = {
    image: {
      unpackedMiB: Number(fmt(unpacked)),
      compressedMiB: Number(fmt(compressed)),
      layers: 2,
      compression,
    },
    pull: {
      ms: Math.round(pullMs),
      unpackedMiBps: Number(fmt(unpacked / (pullMs / 1000))),
      compressedMiBps: Number(fmt(compressed / (pullMs / 1000))),
      clientCpuMs: pulled.clientCpuMs,
      serverCpuMs: pulled.serverCpuMs,
      goal: '>= 300 MiB/s',
    },
    warmPull: {
      ms: Math.round(warm.ms),
      unpackedMiBps: Number(fmt(unpacked / (warm.ms / 1000))),
      clientCpuMs: warm.clientCpuMs,
      serverCpuMs: warm.serverCpuMs,
    },
    push: {
      ms: Math.round(pushMs),
      MiBps: Number(fmt(compressed / (pushMs / 1000))),
      clientCpuMs: pushed.clientCpuMs,
      serverCpuMs: pushed.serverCpuMs,
      goal: '>= 250 MiB/s',
    },
    secondPull: {
      bestMs: Number(Math.min(...second).toFixed(2)),
      medianMs: Number(second.sort((a, b) => a - b)[2].toFixed(2)),
      goal: '<= 20 ms',
    },
  };
  console.log(JSON.stringify(results, null, 2));
} finally {
  await server.close();
  await rm(base, { recursive: true, force: true });
}
