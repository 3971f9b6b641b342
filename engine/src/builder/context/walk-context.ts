import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContextFilter } from './context-filter.js';

export interface ContextEntry {
  /** Slash-separated, relative to the context root. */
  relPath: string;
  absPath: string;
  /** From lstat: symlinks are reported as links and never followed. */
  stats: Stats;
}

/**
 * Walks a build context in Docker's order (names sorted, parents before children), yielding the
 * entries the filter sends. A directory that is itself excluded is not yielded but is still entered
 * when the filter says an exception may re-include something in it; consumers creating a tar add
 * such parents implicitly, as Docker's does. Symlinks are never followed.
 */
export async function* walkContext(contextDir: string, filter: ContextFilter): AsyncGenerator<ContextEntry> {
  yield* walkDir(contextDir, '', filter);
}

async function* walkDir(absDir: string, relDir: string, filter: ContextFilter): AsyncGenerator<ContextEntry> {
  const names = (await readdir(absDir)).sort();
  // Stat a directory's entries concurrently (the walk is bound by syscalls), then yield in order.
  const stats = await Promise.all(names.map((name) => lstat(join(absDir, name))));
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const entryStats = stats[i] as Stats;
    const relPath = relDir === '' ? name : `${relDir}/${name}`;
    const absPath = join(absDir, name);
    if (filter.includes(relPath)) yield { relPath, absPath, stats: entryStats };
    if (entryStats.isDirectory() && filter.mustWalk(relPath)) yield* walkDir(absPath, relPath, filter);
  }
}
