import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkiffdHarness } from '@skiff/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerInspectWire } from '../../src/api/wire/container-wire.js';
import {
  type KernelObjects,
  kernelObjectsOf,
  listeningSockets,
  netEngineId,
} from '../api/network-helpers.js';
import { parseUrls, projectResources, requireFixtureRegistry, writeProject } from './compose-project.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const PROJECT = 'notes-dev';

/**
 * The example dev environment (examples/dev-env/compose.yaml: postgres with the schema, redis and
 * a service built from a Dockerfile) with host ports left to the engine, so parallel runs do not
 * collide, and a built service that proves it reaches postgres and redis by their service names.
 */
const compose = `
name: ${PROJECT}
services:
  db:
    image: postgres:15
    environment:
      POSTGRES_USER: notes
      POSTGRES_PASSWORD: \${PG_PASSWORD:-notes}
      POSTGRES_DB: notes
    command: ["postgres", "-c", "fsync=off", "-c", "full_page_writes=off"]
    ports: ["5432"]
    volumes:
      - ${path.join(repo, 'examples/db/schema.sql')}:/docker-entrypoint-initdb.d/10-schema.sql:ro
      - pgdata:/var/lib/postgresql/data
    healthcheck:
      # Over TCP: during initdb the entrypoint's temporary server listens on the unix socket only,
      # so a socket check passes before the real server is up (testcontainers-java #3835).
      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -U notes -d notes"]
      interval: 500ms
      timeout: 3s
      retries: 60
    networks: [backend]
  cache:
    image: redis:7
    command: redis-server --save "" --appendonly no
    ports: ["6379"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 500ms
      retries: 60
    networks: [backend]
  app:
    build:
      context: ./app
      args:
        GREETING: dev
    env_file: app.env
    stop_grace_period: 1s
    ports:
      - target: 8080
        app_protocol: http
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_healthy
    healthcheck:
      test: ["CMD-SHELL", "grep -q PONG /www/redis.txt && grep -q N /www/pg.txt"]
      interval: 500ms
      retries: 20
    networks: [backend]
networks:
  backend: {}
volumes:
  pgdata: {}
`;

const probe = `# Reaches the other services by their service names, then serves what it found.
printf 'PING\\r\\n' | nc -w 3 cache 6379 | tr -d '\\r' > /www/redis.txt
# A PostgreSQL SSLRequest: the server answers one byte, N (no TLS).
printf '\\000\\000\\000\\010\\004\\322\\026\\057' | nc -w 3 db 5432 > /www/pg.txt
echo "$APP_MODE" > /www/mode.txt
exec httpd -f -p 8080 -h /www
`;

const dockerfile = `FROM busybox:1.35
ARG GREETING=hello
RUN mkdir -p /www && echo "$GREETING" > /www/greeting.txt
COPY probe.sh /probe.sh
EXPOSE 8080
CMD ["sh", "/probe.sh"]
`;

describe('skiff up on a compose file with postgres, redis and a built service', () => {
  const h = new SkiffdHarness();
  let dir = '';
  let engineId = '';
  let before: KernelObjects;
  let listenersBefore: string[] = [];
  let upStdout = '';
  let upStderr = '';

  beforeAll(async () => {
    requireFixtureRegistry();
    await h.prepare();
    await h.start();
    dir = path.join(h.base, 'project');
    await writeProject(dir, {
      'compose.yaml': compose,
      'app.env': 'APP_MODE=from-env-file\n',
      'app/Dockerfile': dockerfile,
      'app/probe.sh': probe,
    });
    engineId = await netEngineId(h);
    before = await kernelObjectsOf(engineId);
    listenersBefore = await listeningSockets(h.daemon?.pid ?? 0);
    const up = await h.skiff(['up', '-d', '--wait'], { cwd: dir });
    upStdout = up.stdout;
    upStderr = up.stderr;
    expect(up.code, up.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  const inspect = async (name: string) =>
    (await h.http('GET', `/v1.45/containers/${name}/json`)).json<ContainerInspectWire>();

  it('prints a URL for each published port: postgres and redis ones that real clients connect to', async () => {
    const urls = parseUrls(upStdout);
    expect(urls.db?.[0]).toMatch(/^postgres:\/\/notes:notes@127\.0\.0\.1:\d+\/notes$/);
    expect(urls.cache?.[0]).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.app?.[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const client = new pg.Client({ connectionString: urls.db?.[0] });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>("SELECT to_regclass('public.notes')::text AS name");
      expect(tables.rows).toEqual([{ name: 'notes' }]);
    } finally {
      await client.end();
    }
    const redis = new Redis(urls.cache?.[0] ?? '', { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('builds the service with its build args, and it reaches postgres and redis by service name', async () => {
    const base = parseUrls(upStdout).app?.[0];
    const get = async (p: string) => (await (await fetch(`${base}${p}`)).text()).trim();
    expect(await get('/greeting.txt')).toBe('dev');
    expect(await get('/redis.txt')).toBe('+PONG');
    expect(await get('/pg.txt')).toBe('N');
    expect(await get('/mode.txt')).toBe('from-env-file');
    expect(upStderr).toMatch(/image notes-dev-app \(app\): built/);
  });

  it('--wait returns once every healthcheck passed, and the app started only after db and cache were healthy', async () => {
    const [db, cache, app] = await Promise.all(
      ['notes-dev-db-1', 'notes-dev-cache-1', 'notes-dev-app-1'].map((n) => inspect(n)),
    );
    for (const c of [db, cache, app]) expect(c?.State.Health?.Status).toBe('healthy');
    const appStarted = Date.parse(app?.State.StartedAt ?? '');
    for (const dep of [db, cache]) {
      const firstPass = dep?.State.Health?.Log.find((l) => l.ExitCode === 0);
      expect(firstPass).toBeDefined();
      expect(Date.parse(firstPass?.End ?? '')).toBeLessThanOrEqual(appStarted);
    }
    expect(Object.keys(app?.NetworkSettings.Networks ?? {})).toEqual(['notes-dev_backend']);
    expect(app?.NetworkSettings.Networks['notes-dev_backend']?.Aliases).toContain('app');
    expect(db?.Config.Labels).toMatchObject({
      'com.docker.compose.project': PROJECT,
      'com.docker.compose.service': 'db',
      'dev.skiff.environment': PROJECT,
    });
    expect(db?.HostConfig.PortBindings?.['5432/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '' }]);
  });

  it('lists the environment and shows service logs with service prefixes', async () => {
    const ls = await h.skiff(['ls', '--json']);
    const [env] = ls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; status: string; services: { service: string }[] });
    expect(env?.name).toBe(PROJECT);
    expect(env?.status).toBe('running(3)');
    expect(env?.services.map((s) => s.service)).toEqual(['app', 'cache', 'db']);

    const logs = await h.skiff(['logs', '--tail', '50', 'db'], { cwd: h.base });
    expect(logs.code, logs.stderr).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.startsWith('db | ')).toBe(true);
    expect(logs.stdout).toContain('database system is ready to accept connections');
  });

  it('keeps unchanged running containers when up runs again', async () => {
    const id = (await inspect('notes-dev-db-1')).Id;
    const again = await h.skiff(['up', '-d'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/container notes-dev-db-1: running/);
    expect((await inspect('notes-dev-db-1')).Id).toBe(id);
  });

  it('down -v leaves nothing: no containers, networks, volumes, links, namespaces or listeners', async () => {
    const daemonPid = h.daemon?.pid ?? 0;
    expect((await listeningSockets(daemonPid)).length).toBeGreaterThan(listenersBefore.length);
    const during = await kernelObjectsOf(engineId);
    expect(during.links.length).toBeGreaterThan(before.links.length);
    expect(during.netns.length).toBe(before.netns.length + 3);
    const down = await h.skiff(['down', '-v'], { cwd: dir });
    expect(down.code, down.stderr).toBe(0);
    expect(await projectResources(h, PROJECT)).toEqual({ containers: [], networks: [], volumes: [] });
    expect(await kernelObjectsOf(engineId)).toEqual(before);
    expect(await listeningSockets(daemonPid)).toEqual(listenersBefore);
    const ls = await h.skiff(['ls', '-q']);
    expect(ls.stdout).toBe('');
  });
});

describe('the example dev environment file', () => {
  it('loads and plans without a problem: three services, db and cache before the built one', async () => {
    const { loadComposeProject } = await import('../../src/compose/compose-loader.js');
    const { planEnvironment } = await import('../../src/compose/compose-planner.js');
    const file = path.join(repo, 'examples/dev-env/compose.yaml');
    expect(await readFile(file, 'utf8')).toContain('services:');
    const project = loadComposeProject({ files: [file], cwd: repo, env: {} });
    const plan = planEnvironment(project);
    expect(project.name).toBe('skiff-notes-dev');
    expect(plan.waves).toEqual([['cache', 'db'], ['status']]);
    expect(plan.services.status?.build?.context).toBe(path.join(repo, 'examples/docker/status'));
    expect(plan.volumes.map((v) => v.name)).toEqual(['skiff-notes-dev_pgdata']);
  });
});
