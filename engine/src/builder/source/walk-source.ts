import { joinSource, type SourceEntry, type SourceTree } from './source-tree.js';

export interface WalkedEntry {
  /** Path relative to the walked directory (never `''`). */
  rel: string;
  entry: SourceEntry;
}

/**
 * The entries below a directory of a tree, depth first, names sorted, parents before children.
 * Symlinks are reported and not entered. Each directory's entries are lstat'ed concurrently.
 */
export async function* walkSource(tree: SourceTree, dir: string): AsyncGenerator<WalkedEntry> {
  yield* walkBelow(tree, dir, '');
}

async function* walkBelow(tree: SourceTree, base: string, rel: string): AsyncGenerator<WalkedEntry> {
  const abs = rel === '' ? base : joinSource(base, rel);
  const known = tree.childrenSync?.(abs);
  const names = known ? known.map(([n]) => n) : await tree.readdir(abs);
  const entries = known
    ? known.map(([, e]) => e)
    : await Promise.all(names.map((n) => tree.lstat(joinSource(abs, n))));
  for (let i = 0; i < names.length; i++) {
    const entry = entries[i];
    if (entry === undefined) continue;
    const childRel = joinSource(rel, names[i] as string);
    yield { rel: childRel, entry };
    if (entry.kind === 'directory') yield* walkBelow(tree, base, childRel);
  }
}
