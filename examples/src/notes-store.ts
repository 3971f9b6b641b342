import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';

export interface Note {
  id: number;
  title: string;
  body: string;
  createdAt: string;
}

interface NoteRow {
  id: string;
  title: string;
  body: string;
  created_at: Date;
}

const SCHEMA = new URL('../db/schema.sql', import.meta.url);

function toNote(row: NoteRow): Note {
  return { id: Number(row.id), title: row.title, body: row.body, createdAt: row.created_at.toISOString() };
}

/** Creates the schema when it is missing (the same file postgres runs as an init script). */
export async function migrate(db: pg.Pool): Promise<void> {
  await db.query(await readFile(SCHEMA, 'utf8'));
}

/**
 * Notes in postgres, single notes cached in redis (cache-aside): reads try redis first and fill
 * it on a miss; writes and deletes invalidate. `lastRead` says where the last `get` came from.
 */
export class NotesStore {
  constructor(
    private readonly db: pg.Pool,
    private readonly cache: Redis,
    private readonly ttlSeconds = 60,
  ) {}

  private key(id: number): string {
    return `note:${id}`;
  }

  async create(title: string, body: string): Promise<Note> {
    const { rows } = await this.db.query<NoteRow>(
      'INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id, title, body, created_at',
      [title, body],
    );
    return toNote(rows[0] as NoteRow);
  }

  async get(id: number): Promise<{ note: Note | undefined; source: 'cache' | 'database' }> {
    const cached = await this.cache.get(this.key(id));
    if (cached) return { note: JSON.parse(cached) as Note, source: 'cache' };
    const { rows } = await this.db.query<NoteRow>(
      'SELECT id, title, body, created_at FROM notes WHERE id = $1',
      [id],
    );
    const note = rows[0] ? toNote(rows[0]) : undefined;
    if (note) await this.cache.set(this.key(id), JSON.stringify(note), 'EX', this.ttlSeconds);
    return { note, source: 'database' };
  }

  async list(): Promise<Note[]> {
    const { rows } = await this.db.query<NoteRow>(
      'SELECT id, title, body, created_at FROM notes ORDER BY id',
    );
    return rows.map(toNote);
  }

  async update(id: number, title: string, body: string): Promise<Note | undefined> {
    const { rows } = await this.db.query<NoteRow>(
      'UPDATE notes SET title = $2, body = $3 WHERE id = $1 RETURNING id, title, body, created_at',
      [id, title, body],
    );
    await this.cache.del(this.key(id));
    return rows[0] ? toNote(rows[0]) : undefined;
  }

  async remove(id: number): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM notes WHERE id = $1', [id]);
    await this.cache.del(this.key(id));
    return (rowCount ?? 0) > 0;
  }
}
