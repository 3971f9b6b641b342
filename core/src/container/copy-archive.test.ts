import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract, type Headers } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCopyArchive } from './copy-archive.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-copy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function entries(tar: Buffer): Promise<(Headers & { body: string })[]> {
  const out: (Headers & { body: string })[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      out.push({ ...header, body: Buffer.concat(chunks).toString() });
      next();
    });
  });
  await new Promise((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    ex.end(tar);
  });
  return out;
}

describe('buildCopyArchive', () => {
  it('puts files, directory trees (with symlinks) and content at their targets, relative to /', async () => {
    writeFileSync(path.join(dir, 'a.txt'), 'A');
    mkdirSync(path.join(dir, 'tree/sub'), { recursive: true });
    writeFileSync(path.join(dir, 'tree/sub/b.txt'), 'B');
    symlinkSync('sub/b.txt', path.join(dir, 'tree/link'));
    const tar = await buildCopyArchive({
      files: [{ source: path.join(dir, 'a.txt'), target: '/etc/app/a.txt', mode: 0o600 }],
      directories: [{ source: path.join(dir, 'tree'), target: '/srv/tree' }],
      contents: [{ content: Readable.from(['stre', 'am']), target: '/c/streamed' }],
    });
    const list = await entries(tar ?? Buffer.alloc(0));
    const byName = new Map(list.map((e) => [e.name, e]));
    expect(byName.get('etc/app/a.txt')).toMatchObject({ body: 'A', mode: 0o600 });
    expect(byName.get('srv/tree')?.type).toBe('directory');
    expect(byName.get('srv/tree/sub/b.txt')?.body).toBe('B');
    expect(byName.get('srv/tree/link')).toMatchObject({ type: 'symlink', linkname: 'sub/b.txt' });
    expect(byName.get('c/streamed')).toMatchObject({ body: 'stream', mode: 0o644 });
  });

  it('makes the same bytes for the same content (the reuse hash depends on it)', async () => {
    const a = await buildCopyArchive({ contents: [{ content: 'x', target: '/x' }] });
    const b = await buildCopyArchive({ contents: [{ content: 'x', target: '/x' }] });
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
    expect(await buildCopyArchive({})).toBeUndefined();
  });

  it('rejects relative targets and a directory given as a file', async () => {
    await expect(buildCopyArchive({ contents: [{ content: 'x', target: 'relative' }] })).rejects.toThrow(
      /must be an absolute path/,
    );
    await expect(buildCopyArchive({ files: [{ source: dir, target: '/x' }] })).rejects.toThrow(
      /is not a file/,
    );
  });
});
