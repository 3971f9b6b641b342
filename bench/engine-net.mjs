// Network benchmarks through the engine's API, against a private skiffd (temp SKIFF_ROOT,
// SKIFF_SCRATCH and socket; the real defaults are never touched):
//   1. `POST /networks/create` + `DELETE /networks/{id}` (issue 3 goal: median <= 15 ms; Docker 20.10
//      on these machines: 76 ms);
//   2. the extra start time of a container on the default bridge over one with `--network none`:
//      `POST /containers/{id}/start` timed alone, the two modes interleaved (goal: <= 10 ms;
//      Docker adds ~70 ms), and the same for a whole create + start + wait + remove.
// Uses the built packages (`npx tsc -b` first). Needs root.
//   node bench/engine-net.mjs [iterations=40]
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateSkiffd, stats } from './lib/private-skiffd.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const skiff = here('../engine/bin/skiff.js');
if (!existsSync(here('../engine/dist/api/routes/network-routes.js'))) {
  console.error('engine/dist is missing or old: run `npx tsc -b` first');
  process.exit(1);
}
const iterations = Number(process.argv[2] ?? 40);
const warmup = 5;

const fmt = (label, samples, goal) => {
  const { median, p95 } = stats(samples);
  const goalText = goal === undefined ? '' : `, goal: median <= ${goal} ms`;
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   (n=${samples.length}${goalText})`,
  );
};

const { base, env, api, waitExit, stop } = await startPrivateSkiffd('net');

/**
 * The engine deletes bridges and veths in the background, after answering (40+ ms of kernel time
 * per bridge): the pause lets that finish, as `@skiff/net`'s bench settles, so each sample measures
 * the caller's latency and not the previous sample's teardown.
 */
const settle = () => new Promise((r) => setTimeout(r, 100));

/** Runs `ip [-n netns] -batch -` with the given lines on stdin. */
const ipBatch = (lines, netns) =>
  new Promise((resolve, reject) => {
    const args = [...(netns ? ['-n', netns] : []), '-batch', '-'];
    const child = execFile('ip', args, (err) => (err ? reject(err) : resolve()));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
const calibrationNetns = [];

/**
 * Calibration: the kernel work of a bridge attach (namespace, veth into the bridge, addresses) as
 * two bare `ip -batch` processes and nothing else, interleaved with the measured runs so both see
 * the same machine load (these machines are shared). The floor a sandbox cannot go below.
 */
const bareAttach = async (bridge, i) => {
  const ns = `skfbench-${process.pid}-${i}`;
  const veth = `skvn${process.pid.toString(16).slice(-6)}${(i % 256).toString(16).padStart(2, '0')}`;
  calibrationNetns.push(ns);
  const t = performance.now();
  await ipBatch([
    `netns add ${ns}`,
    `link add ${veth} type veth peer name eth0 netns ${ns}`,
    `link set ${veth} master ${bridge} up`,
  ]);
  await ipBatch(['link set lo up', 'link set eth0 up', 'addr add 10.255.254.2/24 dev eth0'], ns);
  const ms = performance.now() - t;
  execFileSync('ip', ['netns', 'delete', ns]);
  calibrationNetns.splice(calibrationNetns.indexOf(ns), 1);
  return ms;
};

/** Calibration for network create: a bridge with an address, up, in one bare `ip -batch`. */
const bareBridge = async (i) => {
  const name = `skfb${process.pid.toString(16).slice(-6)}${(i % 256).toString(16).padStart(2, '0')}`;
  const t = performance.now();
  await ipBatch([
    `link add ${name} type bridge`,
    `addr add 10.255.253.1/24 dev ${name}`,
    `link set ${name} up`,
  ]);
  const ms = performance.now() - t;
  execFileSync('ip', ['link', 'delete', name]);
  return ms;
};

/** One container run; returns [start ms, whole run ms]. */
const runOnce = async (mode) => {
  const t0 = performance.now();
  const { Id } = await api('POST', '/containers/create', {
    Image: 'bench-busybox',
    Cmd: ['true'],
    HostConfig: { NetworkMode: mode },
  });
  const { done: exited } = await waitExit(Id);
  const t1 = performance.now();
  await api('POST', `/containers/${Id}/start`);
  const start = performance.now() - t1;
  const { StatusCode } = await exited;
  if (StatusCode !== 0) throw new Error(`container exited with ${StatusCode}`);
  await api('DELETE', `/containers/${Id}`);
  return [start, performance.now() - t0];
};

try {
  const tar = path.join(base, 'busybox.tar');
  execFileSync('bash', [here('../fixtures/busybox/make-rootfs.sh'), tar]);
  execFileSync(process.execPath, [skiff, 'import', tar, 'bench-busybox'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const createRm = [];
  const createOnly = [];
  const bareBridges = [];
  for (let i = 0; i < iterations + warmup; i++) {
    const t = performance.now();
    const { Id } = await api('POST', '/networks/create', {
      Name: `bench-${process.pid}-${i}`,
      CheckDuplicate: true,
    });
    const created = performance.now();
    await api('DELETE', `/networks/${Id}`);
    if (i >= warmup) {
      createRm.push(performance.now() - t);
      createOnly.push(created - t);
    }
    await settle();
    const ms = await bareBridge(i);
    if (i >= warmup) bareBridges.push(ms);
    await settle();
  }

  const bridge = `skf-${(await api('GET', '/networks/bridge')).Id.slice(0, 8)}`;
  const bare = [];
  const starts = { none: [], bridge: [] };
  const runs = { none: [], bridge: [] };
  for (let i = 0; i < iterations + warmup; i++) {
    // Interleaved, in alternating order, so drift and background teardown hit both modes alike.
    const order = i % 2 === 0 ? ['none', 'bridge'] : ['bridge', 'none'];
    for (const mode of order) {
      const [start, run] = await runOnce(mode);
      if (i >= warmup) {
        starts[mode].push(start);
        runs[mode].push(run);
      }
      await settle();
    }
    const ms = await bareAttach(bridge, i);
    if (i >= warmup) bare.push(ms);
    await settle();
  }
  const diff = (a, b) => a.map((x, i) => x - (b[i] ?? 0));

  console.log(`skiff networks through the API (${iterations} runs after ${warmup} warm-up)`);
  fmt('network create + rm', createRm, 15);
  fmt('network create alone', createOnly);
  fmt('  calibration: a bridge with its address, 1 bare ip -batch', bareBridges);
  fmt('container start, --network none', starts.none);
  fmt('container start, default bridge', starts.bridge);
  fmt('bridge - none, start (paired)', diff(starts.bridge, starts.none), 10);
  fmt('  calibration: same kernel work as 2 bare ip -batch', bare);
  fmt('create + start + wait + rm, --network none', runs.none);
  fmt('create + start + wait + rm, default bridge', runs.bridge);
  fmt('bridge - none, whole run (paired)', diff(runs.bridge, runs.none));
} finally {
  for (const ns of calibrationNetns) execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
  await stop();
}
