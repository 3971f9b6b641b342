import type { AddressInfo } from 'node:net';
import { freshDatabase, redisDatabase } from '@skiff/vitest/fixtures';
import { Redis } from 'ioredis';
import pg from 'pg';
import { test as base } from 'vitest';
import { createApp } from '../../src/app.js';
import { NotesStore } from '../../src/notes-store.js';

/**
 * Each test file gets a postgres database of its own (cloned with the schema in milliseconds),
 * a clean redis database of its worker, and the app listening on a free port over both.
 */
export const test = base
  .extend('db', { scope: 'file' }, freshDatabase('db'))
  .extend('cache', { scope: 'file' }, redisDatabase('cache'))
  .extend('api', { scope: 'file' }, async ({ db, cache }, { onCleanup }) => {
    const pool = new pg.Pool({ connectionString: db.uri, max: 4 });
    // An idle client the server disconnects must not crash the worker (node-postgres emits it on the pool).
    pool.on('error', (err) => console.error(`idle postgres client: ${err.message}`));
    const redis = new Redis(cache.url);
    const server = createApp(new NotesStore(pool, redis));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onCleanup(async () => {
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
      redis.disconnect();
    });
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, pool, redis };
  });
