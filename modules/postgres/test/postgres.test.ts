import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgreSqlContainer, PsqlError, type StartedPostgreSqlContainer } from '@skiff/postgres';
import { startTestEngine, type TestEngine } from '@skiff/testing/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-postgres-e2e-'));
});

afterAll(async () => {
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(uri: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSqlContainer', () => {
  it('starts the official image name with test credentials, ready for a real client', async () => {
    await using pgc = await new PostgreSqlContainer().start();
    expect(pgc.getDatabase()).toBe('test');
    expect(pgc.getUsername()).toBe('test');
    expect(pgc.getPassword()).toBe('test');
    expect(pgc.getHost()).toBe(engine.runtime.host);
    expect(pgc.getPort()).toBe(pgc.getMappedPort(5432));
    expect(pgc.getConnectionUri()).toBe(`postgres://test:test@${pgc.getHost()}:${pgc.getPort()}/test`);
    const [row] = await query<{ db: string; user: string; fsync: string }>(
      pgc.getConnectionUri(),
      "SELECT current_database() AS db, current_user AS user, current_setting('fsync') AS fsync",
    );
    expect(row).toEqual({ db: 'test', user: 'test', fsync: 'off' });
  });

  it('uses the database, user and password given, percent-encoding them in the URI', async () => {
    const password = 'p@ss:w/rd#?%';
    await using pgc = await new PostgreSqlContainer()
      .withDatabase('app db')
      .withUsername('app_user')
      .withPassword(password)
      .start();
    expect(pgc.getConnectionUri()).toContain('/app%20db');
    const [row] = await query<{ db: string; user: string }>(
      pgc.getConnectionUri(),
      'SELECT current_database() AS db, current_user AS user',
    );
    expect(row).toEqual({ db: 'app db', user: 'app_user' });
    const client = new pg.Client(pgc.getConnectionConfig());
    await client.connect();
    await client.end();
  });

  it('rejects a wrong password in a URI with the server’s authentication error', async () => {
    await using pgc = await new PostgreSqlContainer().withPassword('right-one').start();
    const wrong = pgc.getConnectionUri().replace(':right-one@', ':wrong-one@');
    const error = await query(wrong, 'SELECT 1').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '28P01' });
    expect(String(error)).toMatch(/password authentication failed for user "test"/);
  });

  it('runs init scripts from files and SQL strings in the order given', async () => {
    writeFileSync(path.join(dir, 'schema.sql'), 'CREATE TABLE events (id serial PRIMARY KEY, what text);\n');
    writeFileSync(path.join(dir, 'z-last.sql'), "INSERT INTO events (what) VALUES ('third: a file');\n");
    writeFileSync(
      path.join(dir, 'seed.sh'),
      '#!/bin/sh\npsql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "INSERT INTO events (what) VALUES (\'fourth: shell\')"\n',
      { mode: 0o755 },
    );
    await using pgc = await new PostgreSqlContainer()
      .withWarmStart(false)
      .withInitScript(path.join(dir, 'schema.sql'))
      .withInitSql("INSERT INTO events (what) VALUES ('first: sql');")
      .withInitSql("INSERT INTO events (what) VALUES ('second: sql');", 'a-second.sql')
      .withInitScript(path.join(dir, 'z-last.sql'), path.join(dir, 'seed.sh'))
      .start();
    const rows = await query<{ what: string }>(pgc.getConnectionUri(), 'SELECT what FROM events ORDER BY id');
    expect(rows.map((r) => r.what)).toEqual(['first: sql', 'second: sql', 'third: a file', 'fourth: shell']);
  });

  it('passes server settings as -c flags, over the test defaults', async () => {
    await using pgc = await new PostgreSqlContainer()
      .withSetting('work_mem', '7MB')
      .withSettings({ fsync: 'on', application_name: 'skiff-test' })
      .start();
    const [row] = await query<Record<string, string>>(
      pgc.getConnectionUri(),
      "SELECT current_setting('work_mem') AS work_mem, current_setting('fsync') AS fsync, " +
        "current_setting('full_page_writes') AS fpw, current_setting('synchronous_commit') AS sc",
    );
    expect(row).toEqual({ work_mem: '7MB', fsync: 'on', fpw: 'off', sc: 'off' });
  });

  describe('on one container', () => {
    let pgc: StartedPostgreSqlContainer;
    beforeAll(async () => {
      pgc = await new PostgreSqlContainer()
        .withInitSql('CREATE TABLE items (name text PRIMARY KEY);', 'schema.sql')
        .start();
    });
    afterAll(async () => {
      await pgc?.stop();
    });

    it('snapshots and restores the database, ending open sessions', async () => {
      await query(pgc.getConnectionUri(), "INSERT INTO items VALUES ('kept')");
      await pgc.snapshot();
      const pool = new pg.Pool({ connectionString: pgc.getConnectionUri() });
      const poolErrors: unknown[] = [];
      pool.on('error', (e) => poolErrors.push(e));
      await pool.query("INSERT INTO items VALUES ('thrown away')");
      await pgc.restoreSnapshot();
      await pool.end();
      const rows = await query<{ name: string }>(
        pgc.getConnectionUri(),
        'SELECT name FROM items ORDER BY name',
      );
      expect(rows.map((r) => r.name)).toEqual(['kept']);
      // A second restore to the same snapshot works: the snapshot is kept.
      await query(pgc.getConnectionUri(), "INSERT INTO items VALUES ('again')");
      await pgc.restoreSnapshot();
      expect(await query(pgc.getConnectionUri(), 'SELECT name FROM items')).toHaveLength(1);
    });

    it('names snapshots, and says when one is missing', async () => {
      await pgc.snapshot('named_snap');
      await expect(pgc.restoreSnapshot('named_snap')).resolves.toBeUndefined();
      await expect(pgc.restoreSnapshot('never_taken')).rejects.toMatchObject({
        code: 'SKIFF_POSTGRES_SNAPSHOT_NOT_FOUND',
      });
      await expect(pgc.snapshot('test')).rejects.toMatchObject({ code: 'SKIFF_INVALID_ARGUMENT' });
    });

    it('refuses to snapshot a database with open connections, saying which and what to do', async () => {
      const client = new pg.Client({ connectionString: pgc.getConnectionUri() });
      await client.connect();
      try {
        const error = await pgc.snapshot('busy_snap').catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: 'SKIFF_POSTGRES_TEMPLATE_IN_USE',
          database: 'test',
          sessions: 1,
        });
        expect(String(error)).toMatch(/close them first/i);
      } finally {
        await client.end();
      }
    });

    it('gives each test a fresh database cloned from the snapshot, and drops it', async () => {
      await pgc.snapshot();
      const [a, b] = await Promise.all([pgc.createDatabase(), pgc.createDatabase()]);
      expect(a.name).not.toBe(b.name);
      await query(a.uri, "INSERT INTO items VALUES ('only in a')");
      expect(await query(a.uri, 'SELECT * FROM items')).toHaveLength(2);
      expect(await query(b.uri, 'SELECT * FROM items')).toHaveLength(1);
      expect(await query(pgc.getConnectionUri(), 'SELECT * FROM items')).toHaveLength(1);
      const open = new pg.Client(a.config);
      open.on('error', () => undefined);
      await open.connect();
      await a.drop();
      await b.drop();
      await open.end().catch(() => undefined);
      const left = await query<{ datname: string }>(
        pgc.getConnectionUri(),
        `SELECT datname FROM pg_database WHERE datname IN ('${a.name}', '${b.name}')`,
      );
      expect(left).toEqual([]);
    });

    it('hands out databases cloned ahead from the snapshot, named as asked, to concurrent callers', async () => {
      await pgc.snapshot();
      const dbs = await Promise.all([
        pgc.createDatabase({ name: 'asked_for' }),
        pgc.createDatabase(),
        pgc.createDatabase(),
      ]);
      expect(new Set(dbs.map((d) => d.name)).size).toBe(3);
      expect(dbs[0]?.name).toBe('asked_for');
      for (const db of dbs) {
        expect(await query(db.uri, 'SELECT name FROM items')).toEqual([{ name: 'kept' }]);
        await db.drop();
      }
    });

    it('clones any template by name, and names the database it creates', async () => {
      await using db = await pgc.createDatabase({ name: 'by_name', template: 'template1' });
      expect(db.name).toBe('by_name');
      expect(await query(db.uri, "SELECT 1 FROM pg_tables WHERE tablename = 'items'")).toEqual([]);
      await expect(pgc.createDatabase({ template: 'no_such_db' })).rejects.toMatchObject({
        code: 'SKIFF_POSTGRES_SNAPSHOT_NOT_FOUND',
      });
    });

    it('runs psql in the container and reports its errors', async () => {
      expect(await pgc.psql('SELECT count(*) FROM items', { flags: ['-At'] })).toBe('1\n');
      const error = await pgc.psql('SELECT * FROM missing_table').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PsqlError);
      expect(error).toMatchObject({ code: 'SKIFF_PSQL_FAILED', exitCode: 1 });
      expect(String(error)).toMatch(/relation "missing_table" does not exist/);
    });
  });
});
