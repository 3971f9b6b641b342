// Benchmarks of @skiff/net on the real kernel: network create+rm, and sandbox create+release
// (bridge attach). Uses the built package: run `npx tsc -b net` first. Needs root.
//   node bench/net.mjs [iterations]
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

const dist = fileURLToPath(new URL('../net/dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error('net/dist is missing: run `npx tsc -b net` first');
  process.exit(1);
}
const { LinuxNetworkManager } = await import(dist);
const iterations = Number(process.argv[2] ?? 60);
const warmup = 5;

const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
};
const fmt = (label, samples) => {
  const { median, p95 } = stats(samples);
  console.log(
    `${label.padEnd(46)} median ${median.toFixed(2).padStart(6)} ms   p95 ${p95.toFixed(2).padStart(6)} ms   (n=${samples.length})`,
  );
};

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-net-'));
const net = new LinuxNetworkManager({ stateDir, logger: pino({ level: 'warn' }) });
await net.init();
const request = (containerId, mode) => ({
  containerId,
  containerName: containerId.slice(0, 12),
  hostname: '',
  domainname: '',
  mode,
  ports: [],
  extraHosts: [],
  dns: [],
  dnsSearch: [],
  dnsOptions: [],
});

try {
  const createRm = [];
  const teardown = [];
  for (let i = 0; i < iterations + warmup; i++) {
    const t0 = performance.now();
    await net.createNetwork({ name: `bench-${process.pid}-${i}` });
    await net.removeNetwork(`bench-${process.pid}-${i}`);
    const t1 = performance.now();
    await net.settle(); // the bridge's deletion, kept off the caller's path
    const t2 = performance.now();
    if (i >= warmup) {
      createRm.push(t1 - t0);
      teardown.push(t2 - t1);
    }
  }

  await net.createNetwork({ name: `bench-${process.pid}` });
  const modes = {
    bridge: { kind: 'bridge', endpoints: [{ network: `bench-${process.pid}`, aliases: ['svc'] }] },
    none: { kind: 'none' },
  };
  const results = {
    bridge: { create: [], release: [], both: [], settle: [] },
    none: { create: [], release: [], both: [], settle: [] },
  };
  for (let i = 0; i < iterations + warmup; i++) {
    for (const kind of ['bridge', 'none']) {
      const id = `${kind}${i}`.padEnd(64, '0');
      const t0 = performance.now();
      await net.createSandbox(request(id, modes[kind]));
      const t1 = performance.now();
      await net.releaseSandbox(id);
      const t2 = performance.now();
      await net.settle();
      const t3 = performance.now();
      if (i >= warmup) {
        const r = results[kind];
        r.create.push(t1 - t0);
        r.release.push(t2 - t1);
        r.both.push(t2 - t0);
        r.settle.push(t3 - t2);
      }
    }
  }

  console.log(`@skiff/net on ${os.cpus().length} CPUs, ${iterations} iterations after ${warmup} warm-up`);
  fmt('network create + rm (returned to caller)', createRm);
  fmt('  background bridge deletion after rm', teardown);
  fmt('sandbox create + release, bridge network', results.bridge.both);
  fmt('  create (netns + veth + address + route + DNS)', results.bridge.create);
  fmt('  release (returned to caller)', results.bridge.release);
  fmt('  background veth teardown after release', results.bridge.settle);
  fmt('sandbox create + release, none (netns only)', results.none.both);
  fmt('  create', results.none.create);
  const attach = stats(results.bridge.create).median - stats(results.none.create).median;
  console.log(`bridge attach over a bare namespace (median delta): ${attach.toFixed(2)} ms`);
} finally {
  await net.destroy();
  await rm(stateDir, { recursive: true, force: true });
}
