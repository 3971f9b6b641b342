import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { DirectorySource } from '../source/directory-source.js';
import { hashSources } from './source-hash.js';
import { StatCache, type StatCacheSession } from './stat-cache.js';

/** A session that counts how many files were hashed (a digest is remembered only after hashing). */
function counting(session: StatCacheSession): StatCacheSession & { hashed: string[] } {
  const hashed: string[] = [];
  return {
    hashed,
    lookup: (root, rel, st) => session.lookup(root, rel, st),
    remember: (root, rel, st, digest) => {
      hashed.push(rel);
      return session.remember(root, rel, st, digest);
    },
    flush: () => session.flush(),
  };
}

async function hashDir(cache: StatCache, root: string) {
  const session = counting(cache.session());
  const tree = new DirectorySource(root, {
    label: 'build context',
    linkScope: 'context',
    statCache: session,
  });
  const entry = await tree.lstat('src');
  if (!entry) throw new Error('no src');
  const hash = await hashSources([{ tree, rel: 'src', entry }]);
  await session.flush();
  return { hash, hashed: session.hashed.sort() };
}

describe('the stat cache', () => {
  let base = '';
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'stat-cache-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('hashes only the files whose size, mtime, inode or ctime changed, across builds and engines', async () => {
    const ctx = path.join(base, 'ctx');
    const cacheDir = path.join(base, 'cache');
    await (await import('node:fs/promises')).mkdir(path.join(ctx, 'src'), { recursive: true });
    for (let i = 0; i < 50; i++) await writeFile(path.join(ctx, 'src', `f${i}.txt`), `file ${i}`);
    const first = await hashDir(new StatCache(cacheDir, silentLogger()), ctx);
    expect(first.hashed).toHaveLength(50);

    const engine = new StatCache(cacheDir, silentLogger());
    const unchanged = await hashDir(engine, ctx);
    expect(unchanged.hashed).toEqual([]);
    expect(unchanged.hash).toBe(first.hash);

    await writeFile(path.join(ctx, 'src', 'f7.txt'), 'changed');
    const oneChanged = await hashDir(engine, ctx);
    expect(oneChanged.hashed).toEqual(['src/f7.txt']);
    expect(oneChanged.hash).not.toBe(first.hash);

    // Another engine (another process) reads what this one wrote.
    const other = await hashDir(new StatCache(cacheDir, silentLogger()), ctx);
    expect(other.hashed).toEqual([]);
    expect(other.hash).toBe(oneChanged.hash);
    expect(await readdir(cacheDir)).toHaveLength(1);
  });

  it('survives an unreadable table by starting over', async () => {
    const ctx = path.join(base, 'ctx');
    await (await import('node:fs/promises')).mkdir(path.join(ctx, 'src'), { recursive: true });
    await writeFile(path.join(ctx, 'src', 'a'), 'a');
    const cacheDir = path.join(base, 'cache');
    await hashDir(new StatCache(cacheDir, silentLogger()), ctx);
    const [table] = await readdir(cacheDir);
    await writeFile(path.join(cacheDir, table as string), '{ not json');
    const again = await hashDir(new StatCache(cacheDir, silentLogger()), ctx);
    expect(again.hashed).toEqual(['src/a']);
  });
});
