/**
 * The vitest pattern the README documents, run for real: one container per file (`scope: 'file'`;
 * `'worker'` shares it across the files a worker runs), migrated once and snapshotted, and a
 * fresh database cloned from the snapshot for every test.
 */
import { type FreshDatabase, PostgreSqlContainer, type StartedPostgreSqlContainer } from '@skiff/postgres';
import { startTestEngine, type TestEngine } from '@skiff/testing/core';
import pg from 'pg';
import { test as base, expect } from 'vitest';

const test = base.extend<{
  engine: TestEngine;
  postgres: StartedPostgreSqlContainer;
  db: FreshDatabase;
  client: pg.Client;
}>({
  // Only this suite needs it (a private engine); applications use the default runtime.
  engine: [
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
    async ({}, use) => {
      const engine = await startTestEngine();
      await use(engine);
      await engine.stop();
    },
    { scope: 'file' },
  ],
  postgres: [
    async ({ engine }, use) => {
      expect(engine.runtime).toBeDefined();
      const postgres = await new PostgreSqlContainer().start();
      await postgres.psql('CREATE TABLE todos (id serial PRIMARY KEY, title text NOT NULL)');
      await postgres.snapshot();
      await use(postgres);
      await postgres.stop();
    },
    { scope: 'file' },
  ],
  db: async ({ postgres }, use) => {
    const db = await postgres.createDatabase();
    await use(db);
    await db.drop();
  },
  client: async ({ db }, use) => {
    const client = new pg.Client(db.config);
    await client.connect();
    await use(client);
    await client.end();
  },
});

test('each test starts from the migrated snapshot (1)', async ({ client }) => {
  await client.query("INSERT INTO todos (title) VALUES ('write the README')");
  expect((await client.query('SELECT count(*)::int AS n FROM todos')).rows).toEqual([{ n: 1 }]);
});

test('each test starts from the migrated snapshot (2)', async ({ client, db, postgres }) => {
  expect((await client.query('SELECT count(*)::int AS n FROM todos')).rows).toEqual([{ n: 0 }]);
  expect(db.name).not.toBe(postgres.getDatabase());
});
