import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '@skiff/core';
import { INITDB_DIR } from './constants.js';

/** An init script as the user gave it: a file on the host, or SQL text with a name. */
export type InitScriptSource = { kind: 'file'; path: string } | { kind: 'sql'; name: string; sql: string };

/** An init script ready to copy into `/docker-entrypoint-initdb.d`. */
export interface PreparedInitScript {
  /** What the user gave: the file path, or the SQL's name. */
  label: string;
  /** Where it goes in the container; the numeric prefix keeps the user's order. */
  target: string;
  content: Buffer;
  mode: number;
}

/** The extensions the official entrypoint runs; anything else it would silently ignore. */
const RUNNABLE = /\.(sql|sql\.gz|sql\.xz|sql\.zst|sh)$/;

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Reads the scripts and names them `001-…`, `002-…` in the order given, so the entrypoint (which
 * runs `/docker-entrypoint-initdb.d/*` sorted by name) runs them in that order.
 */
export async function prepareInitScripts(
  sources: readonly InitScriptSource[],
): Promise<PreparedInitScript[]> {
  const width = Math.max(3, String(sources.length).length);
  return Promise.all(
    sources.map(async (source, i) => {
      const prefix = String(i + 1).padStart(width, '0');
      if (source.kind === 'sql') {
        const base = safeName(source.name).replace(/\.sql$/, '');
        return {
          label: source.name,
          target: `${INITDB_DIR}/${prefix}-${base}.sql`,
          content: Buffer.from(source.sql),
          mode: 0o644,
        };
      }
      const base = path.basename(source.path);
      if (!RUNNABLE.test(base)) {
        throw new InvalidArgumentError(
          `init script ${source.path} must end in .sql, .sql.gz, .sql.xz, .sql.zst or .sh: ` +
            'the postgres entrypoint ignores other files',
        );
      }
      let content: Buffer;
      let mode: number;
      try {
        [content, mode] = await Promise.all([
          readFile(source.path),
          stat(source.path).then((s) => s.mode & 0o777),
        ]);
      } catch (err) {
        throw new InvalidArgumentError(
          `init script ${source.path} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      return { label: source.path, target: `${INITDB_DIR}/${prefix}-${safeName(base)}`, content, mode };
    }),
  );
}
