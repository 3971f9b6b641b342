import { describe, expect, it } from 'vitest';
import { FakeTree } from '../source/fake-tree.js';
import { hashSources } from './source-hash.js';

async function hashOf(tree: FakeTree, rel: string): Promise<string> {
  const entry = await tree.lstat(rel);
  if (!entry) throw new Error(rel);
  return hashSources([{ tree, rel, entry }]);
}

describe('content hashes of COPY sources', () => {
  it('has the classic builder’s shapes and ignores times', async () => {
    const tree = new FakeTree({ 'a.txt': 'a', 'dir/b.txt': 'b', 'dir/c': { link: 'b.txt' } });
    const file = await hashOf(tree, 'a.txt');
    expect(file).toMatch(/^file:[0-9a-f]{64}$/);
    const dir = await hashOf(tree, 'dir');
    expect(dir).toMatch(/^dir:[0-9a-f]{64}$/);
    tree.touch('dir/b.txt', new Date(123456));
    expect(await hashOf(tree, 'dir')).toBe(dir);
    const a = await tree.lstat('a.txt');
    const b = await tree.lstat('dir');
    if (!a || !b) throw new Error('missing');
    expect(
      await hashSources([
        { tree, rel: 'a.txt', entry: a },
        { tree, rel: 'dir', entry: b },
      ]),
    ).toMatch(/^multi:[0-9a-f]{64}$/);
  });

  it('changes with content, names, modes and link targets', async () => {
    const base = await hashOf(new FakeTree({ 'd/x': 'one' }), 'd');
    expect(await hashOf(new FakeTree({ 'd/x': 'two' }), 'd')).not.toBe(base);
    expect(await hashOf(new FakeTree({ 'd/y': 'one' }), 'd')).not.toBe(base);
    expect(await hashOf(new FakeTree({ 'd/x': { content: 'one', mode: 0o755 } }), 'd')).not.toBe(base);
    const link = await hashOf(new FakeTree({ 'd/l': { link: 'a' } }), 'd');
    expect(await hashOf(new FakeTree({ 'd/l': { link: 'b' } }), 'd')).not.toBe(link);
  });
});
