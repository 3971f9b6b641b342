import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDecompressor, type DecompressorOptions, detectCompression } from './decompress.js';
import { buildTar } from './testing/tar-fixture.js';

/** Two zstd frames (made with `zstd -19`) of the tar built by `fixtureTar()`. */
const ZSTD_TWO_FRAMES = Buffer.from(
  'KLUv/aQAABAAXAQAsoUTF4CrDsAvk0LsNxKYGZieNCLSzIrF5lFkCpkzOG0tUeKi7KaDIyESMDo+ujzY9DnHkJWMfkv+CYeOTHJqSj+68q5aapcX6VOZ1/8UimYBFQDx9y95jrkqwATAgFnBdICc8uw4dcGAgqGEAzNDaNsLCAyGBggLSEAB2MxgQDoBSA0guBEA4fAEtEQAAAABAP3/zwsQRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkUAAAABAP3/OQACaFFpDCi1L/2kAAwgAKQAAGB5ZXIgc2tpZmYgbGEBAPH/z0sSRAAAAAEA/f/PCxBEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACRAAAAAEA/f85AAJEAAAAAQD9/zkAAkQAAAABAP3/OQACXQAACAACAPzfSvr/ARBb0uD4',
  'base64',
);

function fixtureTar(): Promise<Buffer> {
  return buildTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/motd', data: 'hello from zstd\n' },
    { name: 'big.txt', data: Buffer.alloc(3 << 20, 'skiff layer ') },
  ]);
}

/** Feeds `data` in `chunkSize` pieces (1-byte pieces exercise magic detection across chunks). */
async function decompress(
  data: Buffer,
  chunkSize = 64 * 1024,
  options: DecompressorOptions = {},
): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) pieces.push(data.subarray(i, i + chunkSize));
  const out: Buffer[] = [];
  const d = createDecompressor(options);
  await pipeline(Readable.from(pieces), d, async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) out.push(c);
  });
  return Buffer.concat(out);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('detectCompression', () => {
  it('recognises gzip and zstd magic bytes and treats anything else as plain', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('etc/'))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });
});

describe('Decompressor', () => {
  it('passes a plain tar through unchanged', async () => {
    const tar = await fixtureTar();
    expect(sha(await decompress(tar))).toBe(sha(tar));
  });

  it('gunzips, also when the magic bytes arrive one byte at a time', async () => {
    const tar = await fixtureTar();
    const gz = gzipSync(tar);
    expect(sha(await decompress(gz))).toBe(sha(tar));
    expect(sha(await decompress(gz, 1))).toBe(sha(tar));
  });

  it('gunzips concatenated gzip members as one stream', async () => {
    const tar = await fixtureTar();
    const gz = Buffer.concat([gzipSync(tar.subarray(0, 1000)), gzipSync(tar.subarray(1000))]);
    expect(sha(await decompress(gz))).toBe(sha(tar));
  });

  it('rejects corrupt gzip with a message naming the format', async () => {
    const gz = gzipSync(Buffer.alloc(100_000, 1));
    gz.fill(0x55, 20, 60);
    await expect(decompress(gz)).rejects.toMatchObject({ code: 'SKIFF_INVALID_ARGUMENT', message: /gzip/ });
  });

  it('accepts an empty stream as an empty plain tar', async () => {
    expect((await decompress(Buffer.alloc(0))).length).toBe(0);
  });

  it('keeps memory bounded by honouring backpressure on a highly compressed stream', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    const d = createDecompressor();
    Readable.from([bomb]).pipe(d);
    await new Promise((r) => setTimeout(r, 200));
    // Nobody reads: the readable side stops near its high-water mark instead of inflating 64 MiB.
    expect(d.readableLength).toBeLessThan(4 << 20);
    d.destroy();
  });
});

describe.each([
  ['the zstd command', { zstdCommand: 'zstd' }],
  ['fzstd', { zstdCommand: false }],
  ['fzstd when the command is missing', { zstdCommand: '/nonexistent/zstd' }],
] as const)('zstd through %s', (_name, options: DecompressorOptions) => {
  it('decompresses multi-frame zstd in small chunks', async () => {
    const tar = await fixtureTar();
    expect(sha(await decompress(ZSTD_TWO_FRAMES, 7, options))).toBe(sha(tar));
    const d = createDecompressor(options);
    await pipeline(Readable.from([ZSTD_TWO_FRAMES]), d, async (src: AsyncIterable<Buffer>) => {
      for await (const _ of src);
    });
    expect(d.compression).toBe('zstd');
  });

  it('rejects truncated zstd', async () => {
    await expect(decompress(ZSTD_TWO_FRAMES.subarray(0, 200), 64 * 1024, options)).rejects.toMatchObject({
      code: 'SKIFF_INVALID_ARGUMENT',
      message: /zstd/,
    });
  });

  it('rejects corrupt zstd naming the format', async () => {
    const bad = Buffer.from(ZSTD_TWO_FRAMES);
    bad.fill(0xa5, 12, 120);
    await expect(decompress(bad, 64 * 1024, options)).rejects.toMatchObject({
      code: 'SKIFF_INVALID_ARGUMENT',
      message: /zstd data is corrupt/,
    });
  });
});

describe('zstd through the command', () => {
  // fzstd, the fallback, decompresses each pushed chunk whole: only the command is bounded.
  it('keeps memory bounded by honouring backpressure', async () => {
    const big = spawnSync('zstd', ['-q', '-c', '-1'], { input: Buffer.alloc(64 << 20), maxBuffer: 1 << 30 });
    const d = createDecompressor({ zstdCommand: 'zstd' });
    Readable.from([big.stdout]).pipe(d);
    await new Promise((r) => setTimeout(r, 300));
    expect(d.readableLength).toBeLessThan(4 << 20);
    d.destroy();
  });
});
