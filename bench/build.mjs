// Builder benchmarks (issue 5), on private state (temp root and scratch on tmpfs; the real
// defaults are never touched), with the real crun, overlayfs and stores:
//   A. the 3-line build (FROM busybox / RUN echo hi > /x / COPY a file): uncached and fully cached;
//   B. a cached rebuild of a 10,000-file context with one changed file (COPY src/ of 10k files is a
//      cache hit thanks to the stat cache, COPY of the changed VERSION file re-runs);
// each measured (1) in-process on the executor with a directory context and (2) through
// POST /build on a private skiffd with the context as a tar (packed before the clock starts), and
// the 10k rebuild also (3) end to end with `skiff build` (a new CLI process that walks, tars and
// uploads the context). Medians of N runs after warm-up.
// Goals (2-core VM): uncached <= 120 ms, cached <= 15 ms, 10k rebuild <= 300 ms.
// Docker 20.10 classic builder here: 494 ms uncached, 53 ms cached.
// Needs root and the built packages (`npx tsc -b` first).
//   node bench/build.mjs [iterations=15]
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack } from 'tar-stream';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
if (!existsSync(here('../engine/dist/builder/executor/image-builder.js'))) {
  console.error('engine/dist is missing: run `npx tsc -b` first');
  process.exit(1);
}
const dist = (p) => import(here(`../engine/dist/${p}`));
const iterations = Number(process.argv[2] ?? 15);
const warmup = 3;

const { ImageBuilder } = await dist('builder/executor/image-builder.js');
const { openDirectoryContext } = await dist('builder/executor/build-context.js');
const { StatCache } = await dist('builder/cache/stat-cache.js');
const { LocalContentStore } = await dist('content/local-content-store.js');
const { LocalSnapshotter } = await dist('snapshots/local-snapshotter.js');
const { LocalImageStore } = await dist('images/local-image-store.js');
const { LocalImageService } = await dist('images/local-image-service.js');
const { OverlayRootfsManager } = await dist('snapshots/overlay-rootfs.js');
const { SystemMounter } = await dist('os/system-mounter.js');
const { createOciRuntime } = await dist('runtime/create-oci-runtime.js');
const { gatherHostFacts } = await dist('runtime/host-facts.js');
const { silentLogger } = await dist('logger.js');

const median = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const p95 = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
};
const report = (label, samples, goal) =>
  console.log(
    `${label.padEnd(58)} median ${median(samples).toFixed(1).padStart(7)} ms   p95 ${p95(samples).toFixed(1).padStart(7)} ms   (n=${samples.length}${goal ? `, goal <= ${goal} ms` : ''})`,
  );
const time = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const measure = async (fn, before) => {
  const samples = [];
  for (let i = 0; i < iterations + warmup; i++) {
    if (before) await before(i);
    const ms = await time(fn);
    if (i >= warmup) samples.push(ms);
  }
  return samples;
};

const base = await mkdtemp('/dev/shm/skiff-bench-build-');
const engineName = `bench-build-${process.pid}`;
/** This run's cgroup parents (crun makes `/skiff/<engine>/<id>` and removes only the leaf). */
const cgroupDirs = () =>
  readdirSync('/sys/fs/cgroup').flatMap((c) =>
    [engineName, `${engineName}-d`].map((e) => path.join('/sys/fs/cgroup', c, 'skiff', e)),
  );
let daemon;
try {
  const busyboxTar = path.join(base, 'busybox.tar');
  execFileSync('bash', [here('../fixtures/busybox/make-rootfs.sh'), busyboxTar]);

  // Contexts.
  const three = path.join(base, 'three');
  await mkdir(three);
  await writeFile(
    path.join(three, 'Dockerfile'),
    'FROM busybox\nRUN echo hi > /x\nCOPY hello.txt /hello.txt\n',
  );
  await writeFile(path.join(three, 'hello.txt'), 'hello\n');
  const big = path.join(base, 'big');
  for (let d = 0; d < 100; d++) {
    await mkdir(path.join(big, 'src', `d${d}`), { recursive: true });
    for (let i = 0; i < 100; i++)
      await writeFile(path.join(big, 'src', `d${d}`, `f${i}.txt`), `file ${d}/${i}\n`);
  }
  await writeFile(
    path.join(big, 'Dockerfile'),
    'FROM busybox\nCOPY src/ /app/src/\nCOPY VERSION /app/VERSION\n',
  );
  await writeFile(path.join(big, 'VERSION'), '0\n');
  let version = 0;
  const bump = async () => writeFile(path.join(big, 'VERSION'), `${++version}\n`);

  // ---- (1) in-process executor -------------------------------------------------------------
  const logger = silentLogger();
  const root = path.join(base, 'root');
  const scratch = path.join(base, 'scratch');
  const content = await new LocalContentStore(path.join(root, 'content')).init();
  const snapshotter = await new LocalSnapshotter(path.join(root, 'snapshots')).init();
  const store = await new LocalImageStore(path.join(root, 'images')).init();
  const images = new LocalImageService({ store, content, snapshotter, logger });
  await images.importTar(createReadStream(busyboxTar), { ref: 'busybox', changes: ['CMD ["sh"]'] });
  const runtime = await createOciRuntime({ name: 'crun', scratchDir: scratch, logger });
  const facts = await gatherHostFacts();
  const statCache = new StatCache(path.join(root, 'build-cache', 'stat'), logger);
  const builder = new ImageBuilder({
    store,
    content,
    snapshotter,
    rootfs: new OverlayRootfsManager({
      scratchDir: path.join(scratch, 'build'),
      snapshotter,
      mounter: new SystemMounter(),
      logger,
    }),
    runtime,
    hostFacts: async () => facts,
    engineName,
    scratchDir: path.join(scratch, 'build'),
    cacheDir: path.join(root, 'build-cache', 'keys'),
    logger,
  });
  const buildDir = async (dir, request) => {
    const context = await openDirectoryContext(dir, { statCache });
    try {
      await builder.build(context, request, () => {});
    } finally {
      await context.close();
    }
  };
  console.log(`builder benchmarks, ${iterations} runs each after ${warmup} warm-up runs\n`);
  console.log('(1) in-process executor, directory context');
  report(
    '3-line build, --no-cache',
    await measure(() => buildDir(three, { tags: ['b:1'], noCache: true })),
    120,
  );
  report('3-line build, fully cached', await measure(() => buildDir(three, { tags: ['b:1'] })), 15);
  await buildDir(big, { tags: ['big:1'] });
  report(
    '10k-file context, one changed file, cached rebuild',
    await measure(() => buildDir(big, { tags: ['big:1'] }), bump),
    300,
  );

  // ---- (2) POST /build on a private skiffd -------------------------------------------------
  const socketPath = path.join(base, 'skiff.sock');
  const env = {
    ...process.env,
    SKIFF_ROOT: path.join(base, 'd-root'),
    SKIFF_SCRATCH: path.join(base, 'd-scratch'),
    SKIFF_HOST: `unix://${socketPath}`,
    SKIFF_ENGINE_NAME: `${engineName}-d`,
    SKIFF_LOG_LEVEL: 'warn',
  };
  daemon = spawn(process.execPath, [here('../engine/bin/skiffd.js'), '--detached'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = connect(socketPath);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 600) throw new Error('skiffd did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const skiff = (args) =>
    execFileSync(process.execPath, [here('../engine/bin/skiff.js'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  skiff(['import', '-c', 'CMD ["sh"]', busyboxTar, 'busybox']);
  const tarOf = async (dir) => {
    const p = pack();
    const chunks = [];
    p.on('data', (c) => chunks.push(c));
    const done = new Promise((r) => p.once('end', r));
    const walk = async (rel) => {
      for (const e of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        const name = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          p.entry({ name, type: 'directory', mode: 0o755, uid: 0, gid: 0 });
          await walk(name);
        } else {
          p.entry(
            { name, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) },
            await (await import('node:fs/promises')).readFile(path.join(dir, name)),
          );
        }
      }
    };
    await walk('');
    p.finalize();
    await done;
    return Buffer.concat(chunks);
  };
  const post = (query, body) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath,
          method: 'POST',
          path: `/v1.45/build?${query}`,
          headers: { 'Content-Type': 'application/x-tar', 'Content-Length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () =>
            res.statusCode === 200 && !text.includes('"errorDetail"')
              ? resolve(text)
              : reject(new Error(text)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  console.log('\n(2) POST /build on skiffd, tar context packed before the clock starts');
  const threeTar = await tarOf(three);
  report('3-line build, nocache=1', await measure(() => post('t=b:1&nocache=1', threeTar)), 120);
  report('3-line build, fully cached', await measure(() => post('t=b:1', threeTar)), 15);
  let bigTar = await tarOf(big);
  await post('t=big:1', bigTar);
  report(
    '10k-file context (1.1 MB of files), one changed file',
    await measure(
      () => post('t=big:1', bigTar),
      async () => {
        await bump();
        bigTar = await tarOf(big);
      },
    ),
    300,
  );

  console.log('\n(3) `skiff build` end to end (new CLI process: walk, .dockerignore, tar, upload, log)');
  report('3-line build, fully cached', await measure(() => skiff(['build', '-q', '-t', 'b:1', three])));
  report(
    '10k-file context, one changed file',
    await measure(() => skiff(['build', '-q', '-t', 'big:1', big]), bump),
  );
} finally {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await exited;
  }
  for (const m of execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(base))
    .reverse()) {
    execFileSync('umount', ['-l', m.split(' ')[1]]);
  }
  for (const dir of cgroupDirs()) {
    for (const child of await readdir(dir).catch(() => []))
      await rmdir(path.join(dir, child)).catch(() => {});
    await rmdir(dir).catch(() => {});
  }
  await rm(base, { recursive: true, force: true });
}
