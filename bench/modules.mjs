#!/usr/bin/env node
// Benchmarks @skiff/redis and @skiff/postgres side by side with testcontainers-node:
//   - redis: start() to a PING answered by a fresh ioredis client (password set), stop()
//   - postgres: cold start (initdb every time: withWarmStart(false)), the first start of a new
//     configuration (initdb + committing the warm image), warm start (from the warm image), each to
//     a SELECT 1 answered by a fresh pg client; createDatabase() from a snapshot; stop()
// on skiffd (SKIFF_BENCH_SKIFF_HOST, else a skiffd started here on a private socket, with the root
// SKIFF_BENCH_SKIFF_ROOT or a fresh one; images come from the engine root or its registry mirrors,
// SKIFF_REGISTRY_MIRRORS) and, where a Docker daemon answers (SKIFF_BENCH_DOCKER_HOST, default the
// dev daemon socket), @testcontainers/redis|postgresql-style starts with testcontainers@11 on Docker.
//
// Usage: node bench/modules.mjs [--runs N]   (needs `npx tsc -b` first: it runs the built packages)
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateSkiffd } from './lib/private-skiffd.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 11;
const dist = (p) => path.join(repo, p);

const median = (xs) => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms === undefined ? '—' : `${ms.toFixed(1)} ms`);

async function ping(socket) {
  const { EngineClient } = await import(dist('core/dist/engine/engine-client.js'));
  return EngineClient.ping({ kind: 'unix', socketPath: socket }, 1000).then(
    (h) => h,
    () => undefined,
  );
}

async function startSkiffd() {
  if (process.env.SKIFF_BENCH_SKIFF_HOST)
    return { host: process.env.SKIFF_BENCH_SKIFF_HOST, stop: async () => {} };
  const skiffd = await startPrivateSkiffd('modules', { root: process.env.SKIFF_BENCH_SKIFF_ROOT });
  return { host: skiffd.env.SKIFF_HOST, stop: skiffd.stop };
}

async function redisPing(host, port, password) {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host,
    port,
    password,
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
  });
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') throw new Error('no PONG');
  } finally {
    client.disconnect();
  }
}

async function selectOne(config) {
  const pg = (await import('pg')).default;
  const client = new pg.Client(config);
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
}

/** Runs `start` RUNS times (after one warm-up), timing start-to-usable and stop. */
async function measure(runs, start, usable) {
  const starts = [];
  const stops = [];
  await (await start()).stop();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c = await start();
    await usable(c);
    const t1 = performance.now();
    await c.stop();
    stops.push(performance.now() - t1);
    starts.push(t1 - t0);
  }
  return { start: median(starts), stop: median(stops) };
}

async function benchSkiff(host) {
  const core = await import('@skiff/core');
  const { RedisContainer } = await import('@skiff/redis');
  const { PostgreSqlContainer } = await import('@skiff/postgres');
  const runtime = await core.createRuntime({ host, handleSignals: false });
  const rows = {};
  try {
    // The engine's own floor: a container that needs no readiness check at all.
    rows.floor = await measure(
      RUNS,
      () =>
        new core.GenericContainer('busybox:1.35').withRuntime(runtime).withCommand(['sleep', '300']).start(),
      async () => undefined,
    );
    const redis = await measure(
      RUNS,
      () => new RedisContainer().withRuntime(runtime).withPassword('bench').start(),
      (c) => redisPing(c.getHost(), c.getPort(), 'bench'),
    );
    rows.redis = redis;

    const pgUsable = (c) => selectOne(c.getConnectionConfig());
    rows.pgCold = await measure(
      Math.max(3, Math.ceil(RUNS / 2)),
      () => new PostgreSqlContainer().withRuntime(runtime).withWarmStart(false).start(),
      pgUsable,
    );

    // A configuration no earlier run used: its first start runs initdb and commits the warm image.
    const tag = `bench-${process.pid}-${Date.now()}`;
    const fresh = () =>
      new PostgreSqlContainer()
        .withRuntime(runtime)
        .withDatabase('bench')
        .withSetting('application_name', tag);
    const t0 = performance.now();
    const first = await fresh().start();
    await pgUsable(first);
    rows.pgFirst = performance.now() - t0;
    if (first.startMode !== 'cold') throw new Error(`expected a cold first start, got ${first.startMode}`);
    await first.stop();
    rows.pgWarm = await measure(
      RUNS,
      () => fresh().start(),
      async (c) => {
        if (c.startMode !== 'warm') throw new Error(`expected a warm start, got ${c.startMode}`);
        await pgUsable(c);
      },
    );
    // The warm image of this one-off configuration is not worth keeping.
    await removeImagesLabelled(runtime, tag);

    const pgc = await new PostgreSqlContainer()
      .withRuntime(runtime)
      .withInitSql(
        'CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000) g;',
      )
      .start();
    try {
      await pgc.snapshot();
      const creates = [];
      const usable = [];
      const drops = [];
      for (let i = 0; i < RUNS * 2; i++) {
        // One test: a fresh database, a connection and a first query on it, then the drop.
        const t1 = performance.now();
        const db = await pgc.createDatabase();
        creates.push(performance.now() - t1);
        await selectOne(db.config);
        usable.push(performance.now() - t1);
        const t2 = performance.now();
        await db.drop();
        drops.push(performance.now() - t2);
      }
      rows.freshDb = median(creates);
      rows.freshDbUsable = median(usable);
      rows.dropDb = median(drops);
    } finally {
      await pgc.stop();
    }
  } finally {
    await runtime.close();
  }
  return rows;
}

async function removeImagesLabelled(runtime, tag) {
  const images = await runtime.client.json('GET', '/images/json', {
    query: { filters: JSON.stringify({ reference: ['skiff.local/postgres-warm'] }) },
  });
  for (const image of images) {
    const inspect = await runtime.client.json('GET', `/images/${image.Id}/json`);
    if ((inspect.Config?.Cmd ?? []).includes(`application_name=${tag}`))
      await runtime.client
        .json('DELETE', `/images/${image.Id}`, { query: { force: 'true' } })
        .catch(() => undefined);
  }
}

async function benchTestcontainers(dockerHost, networkName) {
  process.env.DOCKER_HOST = dockerHost;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
  const tc = await import('testcontainers');
  const redis = await measure(
    RUNS,
    () =>
      new tc.GenericContainer('redis:7')
        .withCommand(['redis-server', '--requirepass', 'bench', '--protected-mode', 'no'])
        .withExposedPorts(6379)
        .withNetworkMode(networkName)
        .withWaitStrategy(tc.Wait.forLogMessage('Ready to accept connections'))
        .start(),
    (c) => redisPing(c.getHost(), c.getMappedPort(6379), 'bench'),
  );
  const pgc = await measure(
    Math.max(3, Math.ceil(RUNS / 2)),
    () =>
      new tc.GenericContainer('postgres:15')
        .withEnvironment({ POSTGRES_USER: 'test', POSTGRES_PASSWORD: 'test', POSTGRES_DB: 'test' })
        .withCommand(['postgres', '-c', 'listen_addresses=*'])
        .withExposedPorts(5432)
        .withNetworkMode(networkName)
        .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start(),
    (c) =>
      selectOne({
        host: c.getHost(),
        port: c.getMappedPort(5432),
        user: 'test',
        password: 'test',
        database: 'test',
      }),
  );
  return { redis, pgCold: pgc };
}

async function main() {
  for (const p of ['core/dist/index.js', 'modules/redis/dist/index.js', 'modules/postgres/dist/index.js']) {
    if (!existsSync(dist(p))) throw new Error(`${p} is missing: run \`npx tsc -b\` first`);
  }
  const notes = [];
  let skiff;
  const skiffd = await startSkiffd();
  try {
    skiff = await benchSkiff(skiffd.host);
  } finally {
    await skiffd.stop();
  }

  let tc;
  const dockerHost =
    process.env.SKIFF_BENCH_DOCKER_HOST ?? process.env.DOCKER_HOST ?? 'unix:///run/skiff-dev-docker.sock';
  const dockerHeaders = dockerHost.startsWith('unix://')
    ? await ping(dockerHost.slice('unix://'.length))
    : undefined;
  if (dockerHeaders) {
    const { execFileSync } = await import('node:child_process');
    const net = `skiff-bench-modules-${process.pid}`;
    execFileSync('docker', ['-H', dockerHost, 'network', 'create', net], { stdio: 'ignore' });
    try {
      tc = await benchTestcontainers(dockerHost, net);
      notes.push(`testcontainers@11 on ${dockerHeaders.server ?? 'Docker'} at ${dockerHost}`);
    } catch (err) {
      notes.push(`testcontainers: not measured (${err instanceof Error ? err.message : String(err)})`);
    }
  } else {
    notes.push(
      `no Docker daemon answers at ${dockerHost}: the testcontainers column is the issue's figures ` +
        '(testcontainers-node 12, Docker 20.10, this machine: redis 251 ms, postgres 1637 ms, postgres stop ~220 ms)',
    );
    tc = { redis: { start: 251, stop: undefined }, pgCold: { start: 1637, stop: 220 } };
  }

  const w = 44;
  const row = (label, ours, theirs, goal) =>
    console.log(`${label.padEnd(w)}${fmt(ours).padStart(12)}${fmt(theirs).padStart(18)}   ${goal}`);
  console.log(`\n@skiff/redis and @skiff/postgres on skiffd (${RUNS} runs, medians)\n`);
  console.log(`${''.padEnd(w)}${'skiff'.padStart(12)}${'testcontainers'.padStart(18)}   goal`);
  row('(engine floor: busybox start, no wait)', skiff.floor.start, undefined, '');
  row('redis start → PING (with AUTH)', skiff.redis.start, tc?.redis.start, '≤ 50 ms');
  row('redis stop()', skiff.redis.stop, tc?.redis.stop, '≤ 50 ms');
  row('postgres cold start → SELECT 1 (initdb)', skiff.pgCold.start, tc?.pgCold.start, '≤ 400 ms');
  row('postgres first start + warm image commit', skiff.pgFirst, undefined, 'once per image+config');
  row('postgres warm start → SELECT 1', skiff.pgWarm.start, undefined, '≤ 150 ms');
  row('postgres createDatabase() (from snapshot)', skiff.freshDb, undefined, '≤ 20 ms');
  row('  … and connected, first query answered', skiff.freshDbUsable, undefined, '');
  row('postgres FreshDatabase.drop()', skiff.dropDb, undefined, '');
  row('postgres stop()', median([skiff.pgWarm.stop, skiff.pgCold.stop]), tc?.pgCold.stop, '≤ 50 ms');
  console.log('');
  for (const n of notes) console.log(`note: ${n}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
