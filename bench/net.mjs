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
const { LinuxNetworkManager, LinuxHostNet } = await import(dist);
const iterations = Number(process.argv[2] ?? 60);
const warmup = 5;

const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
};
const fmt = (label, samples) => {
  const { median, p95 } = stats(samples);
  const m = median.toFixed(2).padStart(6);
  const p = p95.toFixed(2).padStart(6);
  console.log(`${label.padEnd(54)} median ${m} ms   p95 ${p} ms`);
};
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

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-net-'));
const net = new LinuxNetworkManager({ stateDir, logger: pino({ level: 'warn' }) });
const host = new LinuxHostNet();
await net.init();

/**
 * Calibration: the kernel work of a bridge sandbox as two bare `ip -batch` processes with no Skiff
 * code around them, interleaved with the measured runs so both see the same machine load (these
 * machines are shared): the gap between the two rows is Skiff's own overhead.
 */
async function bareIpSandbox(bridge, i) {
  const ns = `skfbench-${process.pid}-${i}`;
  const veth = `skvb${process.pid.toString(16).slice(-5)}${i.toString(16).padStart(3, '0')}`;
  const t0 = performance.now();
  await host.apply([
    { op: 'netns-add', name: ns },
    {
      op: 'veth-add',
      hostName: veth,
      alias: 'bench',
      master: bridge,
      netns: ns,
      peerName: 'eth0',
      peerMac: '02:42:0a:ff:00:02',
    },
  ]);
  await host.applyInNetns(ns, [
    { op: 'link-up', name: 'lo' },
    { op: 'link-up', name: 'eth0' },
    { op: 'addr-add', dev: 'eth0', address: '10.255.254.2/24' },
  ]);
  const t1 = performance.now();
  await host.deleteNetns(ns);
  while (await host.linkExists(veth)) await new Promise((r) => setTimeout(r, 5));
  return t1 - t0;
}

try {
  const createRm = [];
  const bridgeDeletion = [];
  for (let i = 0; i < iterations + warmup; i++) {
    const name = `bench-${process.pid}-${i}`;
    const t0 = performance.now();
    await net.createNetwork({ name });
    await net.removeNetwork(name);
    const t1 = performance.now();
    await net.settle(); // the bridge's deletion, kept off the caller's path
    const t2 = performance.now();
    if (i >= warmup) {
      createRm.push(t1 - t0);
      bridgeDeletion.push(t2 - t1);
    }
  }

  const network = await net.createNetwork({ name: `bench-${process.pid}` });
  const modes = {
    bridge: { kind: 'bridge', endpoints: [{ network: network.name, aliases: ['svc'] }] },
    none: { kind: 'none' },
  };
  const runs = {
    bridge: { create: [], release: [], both: [], settle: [] },
    none: { create: [], release: [], both: [], settle: [] },
  };
  const bare = [];
  for (let i = 0; i < iterations + warmup; i++) {
    const bareMs = await bareIpSandbox(network.bridge, i);
    if (i >= warmup) bare.push(bareMs);
    for (const kind of ['bridge', 'none']) {
      const id = `${kind}${i}`.padEnd(64, '0');
      const t0 = performance.now();
      await net.createSandbox(request(id, modes[kind]));
      const t1 = performance.now();
      await net.releaseSandbox(id);
      const t2 = performance.now();
      await net.settle(); // veths of the deleted namespace, kept off the caller's path
      const t3 = performance.now();
      if (i >= warmup) {
        const r = runs[kind];
        r.create.push(t1 - t0);
        r.release.push(t2 - t1);
        r.both.push(t2 - t0);
        r.settle.push(t3 - t2);
      }
    }
  }

  const load = os.loadavg()[0].toFixed(2);
  console.log(`@skiff/net, ${os.cpus().length} CPUs, load ${load}, n=${iterations} after ${warmup} warm-up`);
  fmt('network create + rm (as the caller sees it)', createRm);
  fmt('  background bridge deletion after rm', bridgeDeletion);
  fmt('sandbox create + release, bridge network', runs.bridge.both);
  fmt('  create: netns, veth, address, route, DNS names', runs.bridge.create);
  fmt('  release (as the caller sees it)', runs.bridge.release);
  fmt('  background veth teardown after release', runs.bridge.settle);
  fmt('sandbox create + release, none (namespace only)', runs.none.both);
  fmt('  create', runs.none.create);
  fmt('calibration: same kernel work as 2 bare ip -batch', bare);
  const attach = stats(runs.bridge.create).median - stats(runs.none.create).median;
  const overhead = stats(runs.bridge.create).median - stats(bare).median;
  console.log(`bridge attach over a bare namespace (median delta):   ${attach.toFixed(2)} ms`);
  console.log(`Skiff overhead over bare ip -batch (median delta):     ${overhead.toFixed(2)} ms`);
} finally {
  await net.destroy();
  await rm(stateDir, { recursive: true, force: true });
}
