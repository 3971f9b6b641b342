import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../../content/digest.js';
import { errorMessage, isErrno } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

/** size, mtime (ms, fractional), inode, ctime (ms), content digest. */
type Row = [number, number, number, number, string];

interface Table {
  rows: Map<string, Row>;
  /** mtime of the file the rows were read from (or last written), to notice other engines' writes. */
  fileMtimeMs: number;
  dirty: boolean;
}

/** The stat cache as one build uses it. */
export interface StatCacheSession {
  /** The digest for `rel` under `root` when the file has not changed since it was hashed. */
  lookup(root: string, rel: string, st: Stats): Promise<string | undefined>;
  remember(root: string, rel: string, st: Stats, digest: string): Promise<void>;
  flush(): Promise<void>;
}

/** Tables with more rows than this drop the rows no build of this process has looked at. */
const PRUNE_ABOVE = 200_000;

/**
 * Remembers the content digest of build-context files by path, size, mtime, inode and ctime, so a
 * rebuild hashes only the files that changed. One table per context directory, persisted as
 * `<dir>/<sha256 of the context path>.json` under the shared root (every engine on the machine
 * reads and extends it; the last writer of a table wins, which is harmless for a cache). Tables
 * stay in memory between builds and are re-read only when another process rewrote them.
 */
export class StatCache {
  private readonly tables = new Map<string, Table>();
  private readonly seen = new Map<string, Set<string>>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * A view for one build: each table is checked against its file once, when the build first
   * needs it, instead of on every lookup. `flush` writes what the build added.
   */
  session(): StatCacheSession {
    const checked = new Map<string, Promise<Table>>();
    const table = (root: string) => {
      let t = checked.get(root);
      if (!t) {
        t = this.table(root);
        checked.set(root, t);
      }
      return t;
    };
    return {
      lookup: async (root, rel, st) => this.lookupIn(await table(root), root, rel, st),
      remember: async (root, rel, st, digest) => this.rememberIn(await table(root), rel, st, digest),
      flush: () => this.flush(),
    };
  }

  private lookupIn(table: Table, root: string, rel: string, st: Stats): string | undefined {
    this.seenIn(root).add(rel);
    const row = table.rows.get(rel);
    if (row && row[0] === st.size && row[1] === st.mtimeMs && row[2] === st.ino && row[3] === st.ctimeMs) {
      return row[4];
    }
    return undefined;
  }

  private rememberIn(table: Table, rel: string, st: Stats, digest: string): void {
    table.rows.set(rel, [st.size, st.mtimeMs, st.ino, st.ctimeMs, digest]);
    table.dirty = true;
  }

  /** Writes the tables that changed. Failures are logged: the cache only saves time. */
  async flush(): Promise<void> {
    for (const [root, table] of this.tables) {
      if (!table.dirty) continue;
      table.dirty = false;
      if (table.rows.size > PRUNE_ABOVE) {
        const seen = this.seenIn(root);
        for (const rel of table.rows.keys()) if (!seen.has(rel)) table.rows.delete(rel);
      }
      const file = this.fileOf(root);
      try {
        await writeFileAtomic(file, JSON.stringify({ root, rows: [...table.rows] }));
        table.fileMtimeMs = (await stat(file)).mtimeMs;
      } catch (err: unknown) {
        this.logger.warn({ root, err: errorMessage(err) }, 'cannot save the build stat cache');
      }
    }
  }

  private seenIn(root: string): Set<string> {
    let seen = this.seen.get(root);
    if (!seen) {
      seen = new Set();
      this.seen.set(root, seen);
    }
    return seen;
  }

  private fileOf(root: string): string {
    return path.join(this.dir, `${sha256(root).slice(7)}.json`);
  }

  private async table(root: string): Promise<Table> {
    const file = this.fileOf(root);
    const cached = this.tables.get(root);
    let mtime: number | undefined;
    try {
      mtime = (await stat(file)).mtimeMs;
    } catch (err: unknown) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    if (cached && (mtime === undefined || mtime === cached.fileMtimeMs || cached.dirty)) return cached;
    const table: Table = { rows: new Map(), fileMtimeMs: mtime ?? 0, dirty: false };
    if (mtime !== undefined) {
      try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as { root?: unknown; rows?: unknown };
        if (parsed.root === root && Array.isArray(parsed.rows)) {
          for (const item of parsed.rows as unknown[]) {
            if (isRowEntry(item)) table.rows.set(item[0], item[1]);
          }
        }
      } catch (err: unknown) {
        this.logger.warn({ root, err: errorMessage(err) }, 'ignoring an unreadable build stat cache');
      }
    }
    this.tables.set(root, table);
    return table;
  }
}

function isRowEntry(value: unknown): value is [string, Row] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string') return false;
  const row: unknown = value[1];
  return (
    Array.isArray(row) &&
    row.length === 5 &&
    row.slice(0, 4).every((n) => typeof n === 'number') &&
    typeof row[4] === 'string'
  );
}
