import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TarContext } from './tar-context.js';

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string;
  linkname?: string;
  mode?: number;
};

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const p = pack();
  p.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => p.once('end', resolve));
  for (const e of entries) {
    p.entry(
      {
        name: e.name,
        type: e.type ?? 'file',
        mode: e.mode ?? 0o644,
        ...(e.linkname ? { linkname: e.linkname } : {}),
      },
      e.content !== undefined ? Buffer.from(e.content) : undefined,
    );
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

async function text(ctx: TarContext, rel: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of ctx.open(rel)) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe('TarContext', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tar-context-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes files, directories, links and hard links, reading contents back from one spool file', async () => {
    const ctx = await TarContext.receive(
      Readable.from([
        await tarOf([
          { name: 'Dockerfile', content: 'FROM scratch\n' },
          { name: 'src/a.txt', content: 'aaa' },
          { name: 'src/', type: 'directory', mode: 0o750 },
          { name: 'src/link', type: 'symlink', linkname: '../Dockerfile' },
          { name: 'hard', type: 'link', linkname: 'src/a.txt' },
          { name: './empty', content: '' },
        ]),
      ]),
      { spoolDir: dir },
    );
    try {
      expect(await ctx.readdir('')).toEqual(['Dockerfile', 'empty', 'hard', 'src']);
      expect(await ctx.readdir('src')).toEqual(['a.txt', 'link']);
      expect((await ctx.lstat('src'))?.mode).toBe(0o750);
      expect(await ctx.lstat('src/link')).toMatchObject({ kind: 'symlink', linkname: '../Dockerfile' });
      expect(await text(ctx, 'src/a.txt')).toBe('aaa');
      expect(await text(ctx, 'hard')).toBe('aaa');
      expect(await text(ctx, 'empty')).toBe('');
      expect(await ctx.readText('Dockerfile', 100)).toBe('FROM scratch\n');
      expect(await ctx.digest('src/a.txt')).toBe(await ctx.digest('hard'));
      expect((await readdir(dir)).length).toBe(1);
    } finally {
      await ctx.close();
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a hostile entry name and leaves no spool behind', async () => {
    await expect(
      TarContext.receive(Readable.from([await tarOf([{ name: '../../etc/cron.d/x', content: 'x' }])]), {
        spoolDir: dir,
      }),
    ).rejects.toThrow(/refusing archive entry "..\/..\/etc\/cron.d\/x"/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses bytes that are not a tar archive', async () => {
    await expect(
      TarContext.receive(Readable.from([Buffer.from('x'.repeat(2048))]), { spoolDir: dir }),
    ).rejects.toThrow(/the build context is not a valid tar archive/);
    expect(await readdir(dir)).toEqual([]);
  });
});
