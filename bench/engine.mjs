// Engine benchmarks through its two front doors, against a private skiffd (temp SKIFF_ROOT,
// SKIFF_SCRATCH and socket; the real defaults are never touched):
//   1. `skiff run --rm IMAGE true` through the CLI (a new Node process each time);
//   2. the same create + start + wait + remove through the HTTP API directly;
//   3. N containers created and started concurrently, then waited and removed (total time);
//   4. POST /commit of a running container holding a database-like data dir (~45 MB in ~1000
//      files, what the postgres module commits for warm starts), and of one with 10k small files
//      (each sample a fresh container with fresh random content: a first commit, snapshot made).
// Goals (issue 2, 2-core VM): API median <= 30 ms, CLI median <= 80 ms, 20 concurrent <= 400 ms.
// The engine's native addon (mount, spawn, xattrs) is used when built; SKIFF_OS_ADDON=off
// runs the same engine without it, for comparison.
// Uses the built packages (`npx tsc -b` first). Needs root.
//   node bench/engine.mjs [iterations=30] [concurrent=20] [network=none] [commits=3]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateSkiffd, stats } from './lib/private-skiffd.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const skiff = here('../engine/bin/skiff.js');
if (!existsSync(here('../engine/dist/cli/main.js'))) {
  console.error('engine/dist is missing: run `npx tsc -b` first');
  process.exit(1);
}
const iterations = Number(process.argv[2] ?? 30);
const concurrent = Number(process.argv[3] ?? 20);
const network = process.argv[4] ?? 'none';
const commits = Number(process.argv[5] ?? 3);
const addonBuilt = existsSync(here('../engine/src/os/native/build/Release/skiff_os.node'));
const warmup = 3;

const fmtNoGoal = (label, samples) => {
  const { median, p95 } = stats(samples);
  console.log(
    `${label.padEnd(52)} median ${median.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   (n=${samples.length})`,
  );
};
const fmt = (label, samples, goal) => {
  const { median, p95 } = stats(samples);
  console.log(
    `${label.padEnd(52)} median ${median.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   (n=${samples.length}, goal: median <= ${goal} ms)`,
  );
};

const { base, env, api, getText, waitExit, stop } = await startPrivateSkiffd('engine');
/** Fills a container's upper dir, then prints `ready` and stays up (committed while running, paused). */
const FILL_SCRIPTS = {
  data: [
    'mkdir -p /data/base /data/wal',
    'head -c 16777216 /dev/urandom > /data/wal/segment',
    'for i in $(seq 900); do head -c 8192 /dev/urandom > /data/base/$i; done',
    'for i in $(seq 100); do head -c 102400 /dev/urandom > /data/base/m$i; done',
    'for i in $(seq 10); do head -c 1048576 /dev/urandom > /data/base/l$i; done',
    'echo ready',
    'exec sleep 600',
  ].join('; '),
  small: [
    'for d in $(seq 100); do mkdir -p /src/$d; for i in $(seq 100); do head -c 200 /dev/urandom > /src/$d/$i; done; done',
    'echo ready',
    'exec sleep 600',
  ].join('; '),
};
const logsOf = (id) => getText(`/containers/${id}/logs?stdout=1`);
/** Times one POST /commit of a fresh container filled by `script`; the container is removed after. */
const commitOnce = async (script) => {
  const { Id } = await api('POST', '/containers/create', {
    Image: 'bench-busybox',
    Cmd: ['sh', '-c', script],
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await api('POST', `/containers/${Id}/start`);
    while (!(await logsOf(Id)).includes('ready')) await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    const { Id: image } = await api('POST', `/commit?container=${Id}&repo=bench-commit`);
    const ms = performance.now() - t;
    await api('DELETE', `/images/${image}?force=1`).catch(() => undefined);
    return ms;
  } finally {
    await api('DELETE', `/containers/${Id}?force=1`);
  }
};
const runOnce = async () => {
  const { Id } = await api('POST', '/containers/create', {
    Image: 'bench-busybox',
    Cmd: ['true'],
    HostConfig: { NetworkMode: network },
  });
  const { done: exited } = await waitExit(Id);
  await api('POST', `/containers/${Id}/start`);
  const { StatusCode } = await exited;
  if (StatusCode !== 0) throw new Error(`container exited with ${StatusCode}`);
  await api('DELETE', `/containers/${Id}`);
};

try {
  const tar = path.join(base, 'busybox.tar');
  execFileSync('bash', [here('../fixtures/busybox/make-rootfs.sh'), tar]);
  execFileSync(process.execPath, [skiff, 'import', tar, 'bench-busybox'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const cli = [];
  for (let i = 0; i < iterations + warmup; i++) {
    const t = performance.now();
    execFileSync(process.execPath, [skiff, 'run', '--rm', '--network', network, 'bench-busybox', 'true'], {
      env,
      stdio: 'inherit',
    });
    if (i >= warmup) cli.push(performance.now() - t);
  }

  const direct = [];
  for (let i = 0; i < iterations + warmup; i++) {
    const t = performance.now();
    await runOnce();
    if (i >= warmup) direct.push(performance.now() - t);
  }

  const batches = [];
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    await Promise.all(Array.from({ length: concurrent }, () => runOnce()));
    batches.push(performance.now() - t);
  }

  const commitTimes = { data: [], small: [] };
  for (let i = 0; i < commits; i++) {
    for (const [kind, script] of Object.entries(FILL_SCRIPTS))
      commitTimes[kind].push(await commitOnce(script));
  }

  const addon =
    process.env.SKIFF_OS_ADDON === 'off' ? 'off (SKIFF_OS_ADDON=off)' : addonBuilt ? 'built' : 'missing';
  console.log(
    `skiff engine (network ${network}, ${iterations} runs after ${warmup} warm-up; native addon ${addon})`,
  );
  fmt('CLI: skiff run --rm IMAGE true', cli, 80);
  fmt('API: create + start + wait + remove', direct, 30);
  fmt(`API: ${concurrent} concurrent create+start+wait+remove (total)`, batches, 400);
  if (commits > 0) {
    fmtNoGoal('API: commit, ~45 MB in ~1000 files (first commit)', commitTimes.data);
    fmtNoGoal('API: commit, 10k files of 200 bytes (first commit)', commitTimes.small);
  }
} finally {
  await stop();
}
