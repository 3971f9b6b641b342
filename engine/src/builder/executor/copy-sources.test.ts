import { describe, expect, it } from 'vitest';
import { FakeTree } from '../source/fake-tree.js';
import { cleanSourcePath, destinationIsDirectory, destinationPath, selectSources } from './copy-sources.js';

const tree = new FakeTree({
  'src/a.js': 'a',
  'src/b.js': 'b',
  'src/lib/c.js': 'c',
  'src/[x].txt': 'literal brackets',
  'docs/README.md': 'readme',
  'link-in': { link: 'src' },
  'link-out': { link: '/etc/passwd' },
  'link-up': { link: '../../outside' },
  'through-out': { link: '/etc' },
  loop: { link: 'loop' },
});

const rels = async (pattern: string) => (await selectSources(tree, pattern)).map((i) => i.rel);

describe('COPY source selection', () => {
  it('matches wildcards per path component with Go filepath.Match rules', async () => {
    expect(await rels('src/*.js')).toEqual(['src/a.js', 'src/b.js']);
    expect(await rels('*/*.js')).toEqual(['src/a.js', 'src/b.js']);
    expect(await rels('src/**.js')).toEqual(['src/a.js', 'src/b.js']);
    expect(await rels('src/[ab].js')).toEqual(['src/a.js', 'src/b.js']);
    expect(await rels('src/?.js')).toEqual(['src/a.js', 'src/b.js']);
    expect(await rels('src/\\[x].txt')).toEqual(['src/[x].txt']);
    expect(await rels('d*')).toEqual(['docs']);
  });

  it('copies a directory as its contents, follows links that stay inside, and keeps links that leave as links', async () => {
    const [dir] = await selectSources(tree, 'link-in');
    expect(dir).toMatchObject({ rel: 'src', name: 'link-in', entry: { kind: 'directory' } });
    const [out] = await selectSources(tree, 'link-out');
    expect(out).toMatchObject({ rel: 'link-out', entry: { kind: 'symlink', linkname: '/etc/passwd' } });
    const [up] = await selectSources(tree, 'link-up');
    expect(up?.entry.kind).toBe('symlink');
    expect(await rels('link-in/lib/c.js')).toEqual(['src/lib/c.js']);
  });

  it('refuses sources outside the context, missing ones, links leaving the context and loops, saying why', async () => {
    await expect(selectSources(tree, '../secret')).rejects.toThrow(
      '"../secret" is outside the build context: sources are paths inside it and cannot climb out with ".."',
    );
    await expect(selectSources(tree, 'src/../../x')).rejects.toThrow(/outside the build context/);
    await expect(selectSources(tree, 'nope.txt')).rejects.toThrow(
      '"nope.txt" not found in the build context; is it excluded by .dockerignore?',
    );
    await expect(selectSources(tree, 'through-out/passwd')).rejects.toThrow(
      '"through-out/passwd" goes through the symlink through-out -> /etc, which points outside the build context',
    );
    await expect(selectSources(tree, 'loop/x')).rejects.toThrow(/too many levels of symbolic links/);
    await expect(selectSources(tree, '*.jar')).rejects.toThrow(
      'no file in the build context matches "*.jar"',
    );
    await expect(selectSources(tree, 'src/[')).rejects.toThrow(/bad pattern/);
  });

  it('clamps `..` and follows absolute links inside a root filesystem, as the container would', async () => {
    const rootfs = new FakeTree(
      { 'etc/passwd': 'root', 'usr/lib/x': 'x', lib: { link: '/usr/lib' } },
      'root',
      'stage "build"',
    );
    expect(cleanSourcePath(rootfs, '/../../etc/passwd')).toBe('etc/passwd');
    expect((await selectSources(rootfs, '/lib/x')).map((i) => i.rel)).toEqual(['usr/lib/x']);
    await expect(selectSources(rootfs, '/missing')).rejects.toThrow(
      '"/missing" not found in the stage "build"',
    );
  });

  it('puts relative destinations under WORKDIR and knows directory destinations', () => {
    expect(destinationPath('app/', '/srv')).toBe('/srv/app');
    expect(destinationPath('.', '/srv')).toBe('/srv');
    expect(destinationPath('/abs', '/srv')).toBe('/abs');
    expect(destinationPath('x', undefined)).toBe('/x');
    expect(destinationIsDirectory('dir/')).toBe(true);
    expect(destinationIsDirectory('.')).toBe(true);
    expect(destinationIsDirectory('/a/.')).toBe(true);
    expect(destinationIsDirectory('/file')).toBe(false);
  });
});
