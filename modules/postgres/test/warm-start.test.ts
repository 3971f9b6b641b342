import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from '@skiff/postgres';
import { startTestEngine, type TestEngine } from '@skiff/testing/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage, listImages, removeImage } from '../../../core/src/engine/images-api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let engine: TestEngine;
// Every test uses settings no other run uses, so it sees its own warm images only.
const run = randomBytes(4).toString('hex');

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  if (engine) {
    for (const image of await listImages(engine.client, { reference: ['skiff.local/postgres-warm'] })) {
      const inspect = await inspectImage(engine.client, image.Id);
      if ((inspect?.Config?.Cmd ?? []).some((a) => a.includes(run)))
        await removeImage(engine.client, image.Id).catch(() => undefined);
    }
  }
  await engine?.stop();
});

function configured(name: string): PostgreSqlContainer {
  return new PostgreSqlContainer()
    .withSetting('application_name', `${name}-${run}`)
    .withInitSql(
      "CREATE TABLE seeded (v text); INSERT INTO seeded VALUES ('from the init script');",
      'seed.sql',
    );
}

async function query<T extends pg.QueryResultRow>(c: StartedPostgreSqlContainer, sql: string): Promise<T[]> {
  const client = new pg.Client(c.getConnectionConfig());
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function logsOf(c: StartedPostgreSqlContainer): Promise<string> {
  const stream = await c.logs();
  let text = '';
  stream.on('data', (d) => {
    text += String(d);
  });
  await new Promise((r) => setTimeout(r, 200));
  stream.destroy();
  return text;
}

async function warmImagesFor(name: string) {
  const found = [];
  for (const image of await listImages(engine.client, { reference: ['skiff.local/postgres-warm'] })) {
    const inspect = await inspectImage(engine.client, image.Id);
    if ((inspect?.Config?.Cmd ?? []).includes(`application_name=${name}-${run}`)) found.push(inspect);
  }
  return found;
}

describe('PostgreSqlContainer warm starts', () => {
  it('initialises a configuration once, then starts from its warm image without initdb', async () => {
    {
      await using first = await configured('once').start();
      expect(first.startMode).toBe('cold');
      expect(await query(first, 'SELECT v FROM seeded')).toEqual([{ v: 'from the init script' }]);
    }
    const [image, ...more] = await warmImagesFor('once');
    expect(more).toEqual([]);
    const labels = image?.Config?.Labels ?? {};
    expect(labels['dev.skiff.postgres.warm-key']).toMatch(/^[0-9a-f]{64}$/);
    // The cache outlives the session: no session label may follow the container into the image.
    expect(labels['dev.skiff.session'] ?? '').toBe('');

    await using second = await configured('once').start();
    expect(second.startMode).toBe('warm');
    expect(await query(second, 'SELECT v FROM seeded')).toEqual([{ v: 'from the init script' }]);
    const [settings] = await query<Record<string, string>>(
      second,
      "SELECT current_setting('fsync') AS fsync, current_setting('application_name') AS app, current_user AS u",
    );
    expect(settings).toEqual({ fsync: 'off', app: `once-${run}`, u: 'test' });
    const logs = await logsOf(second);
    expect(logs).toContain('database system is ready to accept connections');
    expect(logs).not.toContain('init process complete');
    expect(logs).not.toContain('automatic recovery in progress');
  });

  it('keeps containers from one warm image apart', async () => {
    await using a = await configured('apart').start();
    await query(a, "INSERT INTO seeded VALUES ('only in a')");
    await using b = await configured('apart').start();
    expect(b.startMode).toBe('warm');
    expect(await query(b, 'SELECT v FROM seeded')).toEqual([{ v: 'from the init script' }]);
  });

  it('uses a warm image only for the configuration that made it', async () => {
    await (await configured('config').start()).stop();
    await using other = await configured('config').withPassword('another').start();
    expect(other.startMode).toBe('cold');
    await using scripts = await configured('config')
      .withInitSql("INSERT INTO seeded VALUES ('two');")
      .start();
    expect(scripts.startMode).toBe('cold');
    expect(await query(scripts, 'SELECT count(*)::int AS n FROM seeded')).toEqual([{ n: 2 }]);
    expect(await warmImagesFor('config')).toHaveLength(3);
  });

  it('initialises once when several workers start the same new configuration at once', async () => {
    const started = await Promise.all([1, 2, 3].map(() => configured('parallel').start()));
    try {
      expect(started.map((c) => c.startMode).sort()).toEqual(['cold', 'warm', 'warm']);
      for (const c of started)
        expect(await query(c, 'SELECT count(*)::int AS n FROM seeded')).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(started.map((c) => c.stop()));
    }
    expect(await warmImagesFor('parallel')).toHaveLength(1);
  });

  it('initialises once when worker processes start the same new configuration at once', async () => {
    const worker = () =>
      new Promise<{ startMode: string; rows: unknown[] }>((resolve, reject) => {
        execFile(
          process.execPath,
          [path.join(here, 'fixtures/warm-child.mjs'), `processes-${run}`],
          { env: { ...process.env, ...engine.env }, timeout: 120_000 },
          (err, stdout, stderr) =>
            err
              ? reject(new Error(`worker failed (${String(err.code ?? err.signal)}): ${stdout}\n${stderr}`))
              : resolve(JSON.parse(stdout)),
        );
      });
    const results = await Promise.all([worker(), worker(), worker()]);
    expect(results.map((r) => r.startMode).sort()).toEqual(['cold', 'warm', 'warm']);
    for (const r of results) expect(r.rows).toEqual([{ v: 'from the init script' }]);
    expect(await warmImagesFor('processes')).toHaveLength(1);
  });

  it('keeps the data directory on tmpfs when warm starts are off', async () => {
    await using pgc = await new PostgreSqlContainer().withWarmStart(false).start();
    expect(pgc.startMode).toBe('cold');
    const [row] = await query<{ dir: string }>(pgc, "SELECT current_setting('data_directory') AS dir");
    expect(row?.dir).toBe('/var/lib/postgresql/data');
    const mounts = await pgc.exec(['cat', '/proc/mounts']);
    expect(mounts.stdout).toMatch(/^tmpfs \/var\/lib\/postgresql\/data tmpfs /m);
  });
});
