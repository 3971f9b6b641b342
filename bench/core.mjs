#!/usr/bin/env node
// Benchmarks @skiff/core side by side in one run:
//   - import('@skiff/core') (fresh processes) vs import('testcontainers')
//   - start-to-usable of a busybox `sleep` container, and stop()
//   - 10 containers started in parallel
// on skiffd (SKIFF_BENCH_SKIFF_HOST, else a skiffd started here on a private socket and root) and,
// where a Docker daemon answers (SKIFF_BENCH_DOCKER_HOST, default the dev daemon socket), on Docker,
// plus the testcontainers@11 npm package on Docker (Ryuk off, host override localhost).
//
// Usage: node bench/core.mjs [--runs N]   (needs `npx tsc -b` first: it runs the built packages)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateSkiffd } from './lib/private-skiffd.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const IMAGE = 'busybox:1.35';
const coreDist = (p) => path.join(repo, 'core/dist', p);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms === undefined ? '—' : `${ms.toFixed(1)} ms`);

function importTime(specifier) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t=performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now()-t))`,
      ],
      { cwd: repo, encoding: 'utf8', env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' } },
    );
    if (r.status !== 0) return undefined;
    times.push(Number(r.stdout));
  }
  return median(times);
}

async function ping(socket) {
  const { EngineClient } = await import(coreDist('engine/engine-client.js'));
  return EngineClient.ping({ kind: 'unix', socketPath: socket }, 1000).then(
    (h) => h,
    () => undefined,
  );
}

/** Makes busybox:1.35 exist on the engine (docker import through the API). */
async function ensureBusybox(host) {
  const { EngineClient } = await import(coreDist('engine/engine-client.js'));
  const { importImage, inspectImage } = await import(coreDist('engine/images-api.js'));
  const { silentLogger } = await import(coreDist('logger.js'));
  const { parseEngineHost } = await import(coreDist('engine/endpoint.js'));
  const endpoint = parseEngineHost(host);
  const headers = await EngineClient.ping(endpoint);
  const client = new EngineClient(endpoint, String(headers['api-version'] ?? '1.41'), silentLogger());
  try {
    if (await inspectImage(client, IMAGE)) return;
    const tar = path.join(os.tmpdir(), 'skiff-bench-busybox.tar');
    if (!existsSync(tar)) execFileSync('bash', [path.join(repo, 'fixtures/busybox/make-rootfs.sh'), tar]);
    const error = await importImage(client, readFileSync(tar), IMAGE, ['CMD ["sh"]']);
    if (error) throw new Error(error);
  } finally {
    await client.close();
  }
}

async function startSkiffd() {
  if (process.env.SKIFF_BENCH_SKIFF_HOST)
    return { host: process.env.SKIFF_BENCH_SKIFF_HOST, stop: async () => {} };
  const skiffd = await startPrivateSkiffd('core', { root: process.env.SKIFF_BENCH_SKIFF_ROOT });
  return { host: skiffd.env.SKIFF_HOST, stop: skiffd.stop };
}

async function benchSkiffCore(label, runtimeOptions, makeNetwork) {
  const core = await import('@skiff/core');
  const runtime = await core.createRuntime({ ...runtimeOptions, handleSignals: false });
  let network;
  try {
    if (makeNetwork) {
      network = await new core.Network().withRuntime(runtime).start();
    }
    const container = () => {
      const c = new core.GenericContainer(IMAGE).withRuntime(runtime).withCommand(['sleep', '300']);
      return network ? c.withNetwork(network) : c;
    };
    // Warm up: first start loads the start code and caches the image inspect.
    await (await container().start()).stop();
    const starts = [];
    const stops = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const c = await container().start();
      const t1 = performance.now();
      await c.stop();
      stops.push(performance.now() - t1);
      starts.push(t1 - t0);
    }
    const t0 = performance.now();
    const ten = await Promise.all(Array.from({ length: 10 }, () => container().start()));
    const parallel = performance.now() - t0;
    await Promise.all(ten.map((c) => c.stop()));
    return { label, start: median(starts), stop: median(stops), parallel10: parallel };
  } finally {
    await network?.stop();
    await runtime.close();
  }
}

async function benchTestcontainers(dockerHost, networkName) {
  process.env.DOCKER_HOST = dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
  const tc = await import('testcontainers');
  const container = () =>
    new tc.GenericContainer(IMAGE).withCommand(['sleep', '300']).withNetworkMode(networkName);
  await (await container().start()).stop();
  const starts = [];
  const stops = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const c = await container().start();
    const t1 = performance.now();
    await c.stop();
    stops.push(performance.now() - t1);
    starts.push(t1 - t0);
  }
  const t0 = performance.now();
  const ten = await Promise.all(Array.from({ length: 10 }, () => container().start()));
  const parallel = performance.now() - t0;
  await Promise.all(ten.map((c) => c.stop()));
  return {
    label: 'testcontainers@11 on Docker',
    start: median(starts),
    stop: median(stops),
    parallel10: parallel,
  };
}

async function main() {
  if (!existsSync(coreDist('index.js'))) throw new Error('core is not built: run `npx tsc -b` first');
  const rows = [];
  const notes = [];

  const coreImport = importTime('@skiff/core');
  const tcImport = importTime('testcontainers');

  try {
    const skiffd = await startSkiffd();
    try {
      await ensureBusybox(skiffd.host);
      rows.push(await benchSkiffCore('@skiff/core on skiffd', { host: skiffd.host }, false));
    } finally {
      await skiffd.stop();
    }
  } catch (err) {
    notes.push(`skiffd: not measured (${err instanceof Error ? err.message : String(err)})`);
  }

  const dockerHost =
    process.env.SKIFF_BENCH_DOCKER_HOST ?? process.env.DOCKER_HOST ?? 'unix:///run/skiff-dev-docker.sock';
  const dockerSocket = dockerHost.replace(/^unix:\/\//, '');
  const dockerHeaders = dockerHost.startsWith('unix://') ? await ping(dockerSocket) : undefined;
  if (dockerHeaders) {
    await ensureBusybox(dockerHost);
    // The dev daemon runs with --bridge=none: every container goes on a user network.
    const net = `skiff-bench-${process.pid}`;
    execFileSync('docker', ['-H', dockerHost, 'network', 'create', net], { stdio: 'ignore' });
    try {
      rows.push(
        await benchSkiffCore(
          '@skiff/core on Docker',
          { host: dockerHost, engine: 'docker', defaultNetwork: net },
          false,
        ),
      );
      rows.push(await benchTestcontainers(dockerHost, net));
    } finally {
      execFileSync('docker', ['-H', dockerHost, 'network', 'rm', net], { stdio: 'ignore' });
    }
    notes.push(`Docker: ${dockerHeaders.server ?? 'unknown'} at ${dockerHost}`);
  } else {
    notes.push(`Docker: no daemon answers at ${dockerHost}; not measured`);
  }

  const w = 30;
  console.log(`\n@skiff/core benchmark (${RUNS} runs each, medians; busybox sleep container)\n`);
  console.log(`${'import'.padEnd(w)} @skiff/core ${fmt(coreImport)}   testcontainers ${fmt(tcImport)}`);
  console.log('');
  console.log(
    `${''.padEnd(w)}${'start-to-usable'.padStart(16)}${'stop()'.padStart(12)}${'10 in parallel'.padStart(16)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(w)}${fmt(r.start).padStart(16)}${fmt(r.stop).padStart(12)}${fmt(r.parallel10).padStart(16)}`,
    );
  }
  console.log('');
  for (const n of notes) console.log(`note: ${n}`);
  console.log(
    'goals: start ≤ 30 ms and stop ≤ 20 ms on skiffd; import ≤ 60 ms; 10 in parallel ≤ 2× one start',
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
