// Runs the example service: DATABASE_URL and REDIS_URL (e.g. from `skiff up -f dev-env/compose.yaml`), PORT.
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from './app.js';
import { migrate, NotesStore } from './notes-store.js';

const db = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://test:test@127.0.0.1:5432/notes',
});
const cache = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await migrate(db);
const app = createApp(new NotesStore(db, cache), async () => {
  await db.query('SELECT 1');
  await cache.ping();
});
const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`notes service on http://127.0.0.1:${port}`));
