import { createHash } from 'node:crypto';
import type { SourceEntry, SourceTree } from '../source/source-tree.js';
import { walkSource } from '../source/walk-source.js';

/** One resolved COPY/ADD source: a path of a tree and what is there. */
export interface HashedSource {
  tree: SourceTree;
  rel: string;
  entry: SourceEntry;
}

/** How many file digests are computed at once (hashing misses of the stat cache read files). */
const DIGEST_CONCURRENCY = 32;

/**
 * The content identity of COPY/ADD sources, in the classic builder's shape: `file:<hex>` for one
 * file, `dir:<hex>` for one directory, `multi:<hex>` for several. It covers names, types, modes,
 * sizes, link targets and file contents, not times or owners (COPY sets its own owner), so an
 * edited file changes it and a touched one does not. A tree with an `identity` (a stage's layer
 * chain) is named by that identity and the path instead of being read.
 */
export async function hashSources(sources: readonly HashedSource[]): Promise<string> {
  const parts = await Promise.all(sources.map((s) => hashOne(s)));
  if (parts.length === 1) return parts[0] as string;
  return `multi:${sha(parts.join(','))}`;
}

async function hashOne({ tree, rel, entry }: HashedSource): Promise<string> {
  if (tree.identity !== undefined) {
    const kind = entry.kind === 'directory' ? 'dir' : 'file';
    return `${kind}:${sha(`${tree.identity}\0${rel}\0${describe(entry, '')}`)}`;
  }
  if (entry.kind !== 'directory') {
    const content = entry.kind === 'file' ? await tree.digest(rel, entry) : '';
    return `file:${sha(`${describe(entry, content)}`)}`;
  }
  const lines: string[] = [describe(entry, '')];
  const pending: Promise<void>[] = [];
  let running = 0;
  const waiters: (() => void)[] = [];
  for await (const item of walkSource(tree, rel)) {
    const index = lines.length;
    lines.push('');
    if (item.entry.kind !== 'file') {
      lines[index] = `${item.rel}\0${describe(item.entry, '')}`;
      continue;
    }
    const full = rel === '' ? item.rel : `${rel}/${item.rel}`;
    const known = tree.knownDigest?.(full);
    if (known !== undefined) {
      lines[index] = `${item.rel}\0${describe(item.entry, known)}`;
      continue;
    }
    if (running >= DIGEST_CONCURRENCY) await new Promise<void>((r) => waiters.push(r));
    running++;
    const work = tree
      .digest(full, item.entry)
      .then((digest) => {
        lines[index] = `${item.rel}\0${describe(item.entry, digest)}`;
      })
      .finally(() => {
        running--;
        waiters.shift()?.();
      });
    work.catch(() => {});
    pending.push(work);
  }
  await Promise.all(pending);
  return `dir:${sha(lines.join('\n'))}`;
}

function describe(entry: SourceEntry, content: string): string {
  return `${entry.kind}\0${entry.mode.toString(8)}\0${entry.size}\0${entry.linkname ?? ''}\0${content}`;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
