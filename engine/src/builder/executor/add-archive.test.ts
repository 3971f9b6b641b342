import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detectArchiveCompression, isTarHeader, openTarArchive } from './add-archive.js';

const tar = execFileSync('tar', ['-cf', '-', '-C', '/etc', 'hostname']);

async function bytes(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('ADD archive detection', () => {
  it('tells compressions apart by their magic bytes', () => {
    expect(detectArchiveCompression(execFileSync('gzip', ['-c'], { input: 'x' }))).toBe('gzip');
    expect(detectArchiveCompression(execFileSync('bzip2', ['-c'], { input: 'x' }))).toBe('bzip2');
    expect(detectArchiveCompression(execFileSync('xz', ['-c'], { input: 'x' }))).toBe('xz');
    expect(detectArchiveCompression(execFileSync('zstd', ['-c'], { input: 'x' }))).toBe('zstd');
    expect(detectArchiveCompression(Buffer.from('plain'))).toBe('none');
  });

  it('recognises a tar header by its checksum', () => {
    expect(isTarHeader(tar.subarray(0, 512))).toBe(true);
    expect(isTarHeader(Buffer.alloc(512))).toBe(false);
    const corrupt = Buffer.from(tar.subarray(0, 512));
    corrupt[0] = (corrupt[0] ?? 0) ^ 1;
    expect(isTarHeader(corrupt)).toBe(false);
  });

  it('opens plain and compressed tars as tar streams, and nothing else', async () => {
    for (const tool of [undefined, 'gzip', 'bzip2', 'xz', 'zstd']) {
      const file = tool ? execFileSync(tool, ['-c'], { input: tar }) : tar;
      const stream = await openTarArchive(() => Readable.from([file]));
      expect(stream).toBeDefined();
      expect((await bytes(stream as Readable)).equals(tar)).toBe(true);
    }
    expect(
      await openTarArchive(() => Readable.from([execFileSync('gzip', ['-c'], { input: 'just text' })])),
    ).toBeUndefined();
    expect(await openTarArchive(() => Readable.from([Buffer.from('tiny')]))).toBeUndefined();
    expect(await openTarArchive(() => Readable.from([]))).toBeUndefined();
    // A corrupt compressed file is not an archive either: it is copied as it is.
    const broken = execFileSync('xz', ['-c'], { input: tar }).subarray(0, 40);
    expect(await openTarArchive(() => Readable.from([broken]))).toBeUndefined();
  });
});
