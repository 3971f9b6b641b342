import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTo, packPath } from './tar-copy.js';

async function toBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

async function entries(buf: Buffer): Promise<string[]> {
  const ex = tar.extract();
  const names: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, s, next) => {
      names.push(`${h.type}:${h.name}:${h.uid}`);
      s.on('end', next);
      s.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(buf);
  await done;
  return names;
}

describe('cp archives', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-cp-'));
    await mkdir(path.join(dir, 'src', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'src', 'a.txt'), 'alpha');
    await writeFile(path.join(dir, 'src', 'sub', 'b.txt'), 'beta', { mode: 0o600 });
    await symlink('a.txt', path.join(dir, 'src', 'link'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs a tree under its root name with owners 0:0, or its contents only', async () => {
    const named = await entries(
      await toBuffer(packPath(path.join(dir, 'src'), 'copy', { contentsOnly: false, keepOwners: false })),
    );
    expect(named).toEqual([
      'directory:copy/:0',
      'file:copy/a.txt:0',
      'symlink:copy/link:0',
      'directory:copy/sub/:0',
      'file:copy/sub/b.txt:0',
    ]);
    const contents = await entries(
      await toBuffer(packPath(path.join(dir, 'src'), 'x', { contentsOnly: true, keepOwners: false })),
    );
    expect(contents).toEqual(['file:a.txt:0', 'symlink:link:0', 'directory:sub/:0', 'file:sub/b.txt:0']);
  });

  it('extracts with the root renamed, keeping modes and symlinks', async () => {
    const archive = await toBuffer(
      packPath(path.join(dir, 'src'), 'src', { contentsOnly: false, keepOwners: false }),
    );
    await mkdir(path.join(dir, 'out'));
    await extractTo(Readable.from([archive]), path.join(dir, 'out'), {
      rootEntry: 'src',
      rename: 'renamed',
      contentsOnly: false,
    });
    expect(await readFile(path.join(dir, 'out', 'renamed', 'a.txt'), 'utf8')).toBe('alpha');
    expect(await readFile(path.join(dir, 'out', 'renamed', 'sub', 'b.txt'), 'utf8')).toBe('beta');
    expect((await stat(path.join(dir, 'out', 'renamed', 'sub', 'b.txt'))).mode & 0o777).toBe(0o600);
    expect(await readlink(path.join(dir, 'out', 'renamed', 'link'))).toBe('a.txt');
  });

  it('refuses entries that climb out of the destination', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'root/', type: 'directory' });
    pack.entry({ name: 'root/../../escape.txt' }, 'x');
    pack.finalize();
    const archive = await toBuffer(pack as unknown as NodeJS.ReadableStream);
    await mkdir(path.join(dir, 'out'));
    await expect(
      extractTo(Readable.from([archive]), path.join(dir, 'out'), {
        rootEntry: 'root',
        rename: 'root',
        contentsOnly: false,
      }),
    ).rejects.toThrow(/outside/);
    await expect(stat(path.join(dir, 'escape.txt'))).rejects.toThrow();
  });
});
