import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { errorMessage, InvalidArgumentError, SkiffError } from '../../errors.js';
import { createDecompressor } from '../../layers/decompress.js';
import { LayerWriter } from '../../layers/layer-writer.js';
import type { SpecialFiles } from '../../layers/special-files.js';
import type { Ownership } from './copy-writer.js';

export type ArchiveCompression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

/** Compression by magic bytes, as moby's `DecompressStream` detects it for ADD. */
export function detectArchiveCompression(head: Buffer): ArchiveCompression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return 'none';
}

/** Whether a 512-byte block is a tar header (its checksum adds up), as Go's tar reader requires. */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === Number.parseInt(field, 8);
}

/** The first `n` bytes of a stream, and a stream that still yields everything (those bytes first). */
async function peek(stream: Readable, n: number): Promise<{ head: Buffer; rest: Readable }> {
  const it = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    chunks.push(r.value as Buffer);
    length += (r.value as Buffer).length;
  }
  const head = Buffer.concat(chunks, length);
  const rest = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value as Buffer;
      }
    })(),
  );
  rest.once('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  return { head: head.subarray(0, Math.min(n, head.length)), rest };
}

/** bzip2 and xz have no Node implementation: Debian's `bzip2 -dc` / `xz -dc` do it in a pipe. */
function toolDecompress(input: Readable, tool: 'bzip2' | 'xz'): Readable {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  input.pipe(child.stdin);
  child.stdin.on('error', () => {});
  input.on('error', (err) => child.stdout.destroy(err));
  child.on('error', (err) =>
    child.stdout.destroy(new SkiffError('SKIFF_BUILD_ARCHIVE', `cannot run ${tool}: ${err.message}`)),
  );
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      child.stdout.destroy(
        new InvalidArgumentError(
          `the ${tool} archive is corrupt: ${stderr.trim() || `${tool} exited ${code}`}`,
        ),
      );
    }
  });
  child.stdout.once('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (!input.destroyed) input.destroy();
  });
  return child.stdout;
}

function decompress(input: Readable, compression: ArchiveCompression): Readable {
  switch (compression) {
    case 'gzip': {
      const gunzip = createGunzip();
      input.on('error', (err) => gunzip.destroy(err));
      return input.pipe(gunzip);
    }
    case 'zstd': {
      const d = createDecompressor();
      input.on('error', (err) => d.destroy(err));
      return input.pipe(d);
    }
    case 'bzip2':
    case 'xz':
      return toolDecompress(input, compression);
    default:
      return input;
  }
}

/**
 * A stream of bytes that may be compressed (gzip, bzip2, xz or zstd, detected by content), as
 * plain bytes: how `POST /build` accepts a context the client compressed.
 */
export async function decompressed(input: Readable): Promise<Readable> {
  const { head, rest } = await peek(input, 6);
  return decompress(rest, detectArchiveCompression(head));
}

/**
 * ADD's archive test: the file's bytes, decompressed (gzip, bzip2, xz or zstd, detected by
 * content), must start with a valid tar header. Returns the uncompressed tar stream, or undefined
 * (and nothing left open) when the file is to be copied as it is.
 */
export async function openTarArchive(open: () => Readable): Promise<Readable | undefined> {
  const raw = await peek(open(), 6);
  const compression = detectArchiveCompression(raw.head);
  const tar = await peek(decompress(raw.rest, compression), 512).catch((err: unknown) => {
    raw.rest.destroy();
    if (compression === 'none') throw err;
    return undefined;
  });
  if (tar === undefined || !isTarHeader(tar.head)) {
    tar?.rest.destroy();
    raw.rest.destroy();
    return undefined;
  }
  return tar.rest;
}

/**
 * Unpacks an ADD archive into `dir` (an existing directory of the image), contained like a layer:
 * no entry can leave `dir` (`..` refused, absolute names and link targets confined to it), no
 * write goes through a symlink, device nodes are skipped. Owners come from the archive unless
 * `--chown` overrides them.
 */
export async function extractArchive(
  tar: Readable,
  dir: string,
  options: { chown?: Ownership; specialFiles: SpecialFiles },
): Promise<void> {
  const writer = new LayerWriter(dir, {
    whiteouts: 'flatten',
    devices: 'skip',
    specialFiles: options.specialFiles,
  });
  const parser = extract();
  tar.on('error', (err) => parser.destroy(err));
  tar.pipe(parser);
  try {
    for await (const entry of parser) {
      const header = options.chown ? { ...entry.header, ...options.chown } : entry.header;
      await writer.entry(header, entry);
    }
    await writer.finish();
  } catch (err: unknown) {
    await writer.abort();
    tar.destroy();
    if (err instanceof SkiffError) throw err;
    throw new InvalidArgumentError(`the archive is not a valid tar: ${errorMessage(err)}`, { cause: err });
  }
}
