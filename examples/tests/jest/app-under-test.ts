import type { AddressInfo } from 'node:net';
import { freshDatabase, redisDatabase } from '@skiff/jest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { NotesStore } from '../../src/notes-store.js';

/**
 * The app over this file's own postgres database (dropped when the file ends) and its worker's
 * clean redis database; `close()` in afterAll.
 */
export async function startApp() {
  const [db, cache] = await Promise.all([freshDatabase('db'), redisDatabase('cache')]);
  const pool = new pg.Pool({ connectionString: db.uri, max: 4 });
  // An idle client the server disconnects must not crash the worker (node-postgres emits it on the pool).
  pool.on('error', (err) => console.error(`idle postgres client: ${err.message}`));
  const redis = new Redis(cache.url);
  const server = createApp(new NotesStore(pool, redis));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pool,
    redis,
    db,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
      await redis.quit();
    },
  };
}
