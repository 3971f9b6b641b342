// Container start speed through the ContainerService (no HTTP): `run --rm true` as
// create + start + wait(next-exit) + remove, sequentially and 20 at once. Real crun, overlayfs,
// cgroups, the local image store and snapshotter; a busybox rootfs imported as the only layer. Uses the built engine: run `npx tsc -b engine` first.
// Needs root.   node engine/test/containers/bench-run-rm.mjs [iterations] [network-mode]
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = (p) => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));
const { loadEngineConfig } = await import(dist('config.js'));
const { createContainerService } = await import(dist('containers/local-container-service.js'));
const { LocalContentStore } = await import(dist('content/local-content-store.js'));
const { importImage } = await import(dist('images/import-image.js'));
const { LocalImageStore } = await import(dist('images/local-image-store.js'));
const { LocalSnapshotter } = await import(dist('snapshots/local-snapshotter.js'));
const { EventBus } = await import(dist('events/event-bus.js'));
const { silentLogger } = await import(dist('logger.js'));
const { SystemMounter } = await import(dist('os/system-mounter.js'));
const { createOciRuntime } = await import(dist('runtime/create-oci-runtime.js'));
const { OverlayRootfsManager } = await import(dist('snapshots/overlay-rootfs.js'));

const iterations = Number(process.argv[2] ?? 50);
const networkMode = process.argv[3] ?? 'none';
const warmup = 5;

const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95) };
};
const fmt = (label, samples) => {
  const { median, p95 } = stats(samples);
  console.log(
    `${label.padEnd(44)} median ${median.toFixed(2).padStart(7)} ms   p95 ${p95.toFixed(2).padStart(7)} ms   (n=${samples.length})`,
  );
};

const base = await mkdtemp('/dev/shm/skiff-bench-ct-');
const root = path.join(base, 'root');
const scratchDir = path.join(base, 'scratch');
const engineName = `bench-${process.pid}`;
// The busybox image goes through the real import path into the real stores, as in production.
const rootfsDir = path.join(base, 'busybox-rootfs');
for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev'])
  await mkdir(path.join(rootfsDir, d), { recursive: true });
await copyFile('/usr/bin/busybox', path.join(rootfsDir, 'bin', 'busybox'));
for (const a of execFileSync('/usr/bin/busybox', ['--list'], { encoding: 'utf8' })
  .split('\n')
  .filter(Boolean)) {
  if (a !== 'busybox') await symlink('busybox', path.join(rootfsDir, 'bin', a));
}
await writeFile(path.join(rootfsDir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
await writeFile(path.join(rootfsDir, 'etc', 'group'), 'root:x:0:\n');
const tarPath = path.join(base, 'busybox.tar');
execFileSync('tar', ['--numeric-owner', '-C', rootfsDir, '-cf', tarPath, '.']);
const content = await new LocalContentStore(path.join(root, 'content')).init();
const snapshotter = await new LocalSnapshotter(path.join(root, 'snapshots')).init();
const imageStore = await new LocalImageStore(path.join(root, 'images')).init();
await importImage(
  { store: imageStore, content, snapshotter, logger: silentLogger() },
  createReadStream(tarPath),
  {
    ref: 'busybox:latest',
    changes: ['CMD ["true"]'],
  },
);
const logger = silentLogger();
const mounter = new SystemMounter();
const config = loadEngineConfig(
  {},
  { root, stateDir: path.join(root, 'engines', engineName), scratchDir, engineName },
);
const service = await createContainerService({
  config,
  logger,
  imageStore,
  snapshotter,
  rootfs: new OverlayRootfsManager({ scratchDir, snapshotter, mounter, logger }),
  runtime: await createOciRuntime({ name: 'crun', scratchDir, logger }),
  events: new EventBus(),
});

const phases = { create: [], start: [], wait: [], remove: [], total: [] };
async function runRm() {
  const t0 = performance.now();
  const { id } = await service.create({ image: 'busybox', cmd: ['true'], networkMode });
  const t1 = performance.now();
  const exited = service.wait(id, 'next-exit');
  await service.start(id);
  const t2 = performance.now();
  const { statusCode } = await exited;
  if (statusCode !== 0) throw new Error(`exit ${statusCode}`);
  const t3 = performance.now();
  await service.remove(id);
  const t4 = performance.now();
  return { create: t1 - t0, start: t2 - t1, wait: t3 - t2, remove: t4 - t3, total: t4 - t0 };
}

// Baseline, interleaved with the service runs so machine load hits both alike: `crun run` of the
// same config.json the service wrote (rootfs of a created container, args `true`), nothing else.
const { spawn } = await import('node:child_process');
const { readFile } = await import('node:fs/promises');
const template = await service.create({ image: 'busybox', cmd: ['sleep', '60'], networkMode });
await service.start(template.id);
const bundleDir = path.join(scratchDir, 'containers', template.id, 'bundle');
const spec = JSON.parse(await readFile(path.join(bundleDir, 'config.json'), 'utf8'));
await service.remove(template.id, { force: true });
const holder = await service.create({ image: 'busybox', cmd: ['true'], networkMode });
const rawBundle = path.join(base, 'raw-bundle');
await mkdir(rawBundle, { recursive: true });
spec.root.path = path.join(scratchDir, 'containers', holder.id, 'merged');
spec.process.args = ['true'];
spec.mounts = spec.mounts.filter((m) => !m.destination.startsWith('/etc/'));
spec.linux.cgroupsPath = `/skiff/${engineName}/raw`;
await writeFile(path.join(rawBundle, 'config.json'), JSON.stringify(spec));
const rawRoot = path.join(base, 'raw-state');
const rawRun = () =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('crun', ['--root', rawRoot, 'run', '--bundle', rawBundle, `raw-${process.pid}`], {
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`crun exit ${code}`)),
    );
  });
const raw = [];

try {
  for (let i = 0; i < warmup; i++) await runRm();
  for (let i = 0; i < iterations; i++) {
    const r = await runRm();
    for (const k of Object.keys(phases)) phases[k].push(r[k]);
    raw.push(await rawRun());
  }
  await service.remove(holder.id);
  console.log(`run --rm true through ContainerService, network ${networkMode}, crun ${process.arch}`);
  for (const k of Object.keys(phases)) fmt(`  ${k}`, phases[k]);
  fmt('  baseline: crun run alone, same config.json', raw);
  const concurrent = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => runRm()));
    concurrent.push(performance.now() - t0);
  }
  fmt('20 concurrent run --rm true (total)', concurrent);
  const stopTimes = [];
  for (let i = 0; i < 10; i++) {
    const { id } = await service.create({
      image: 'busybox',
      cmd: ['sh', '-c', "trap 'exit 0' TERM; echo ready; sleep 60 & wait"],
      networkMode,
    });
    await service.start(id);
    // The shell installs its trap a moment after start (as under Docker); a stop before that is ignored.
    for (let ready = false; !ready; ) {
      for await (const c of service.logs(id, { stdout: true, stderr: false, follow: false }))
        ready ||= String(c.data).includes('ready');
      if (!ready) await new Promise((r) => setTimeout(r, 2));
    }
    const t0 = performance.now();
    await service.stop(id, { timeoutSeconds: 10 });
    stopTimes.push(performance.now() - t0);
    await service.remove(id);
  }
  fmt('stop (shell that exits on SIGTERM)', stopTimes);
} finally {
  await service.close();
  await rm(base, { recursive: true, force: true });
}
