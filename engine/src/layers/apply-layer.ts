import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { Digest } from '../content/digest.js';
import { InvalidArgumentError, SkiffError } from '../errors.js';
import type { LayerFs } from './layer-fs.js';
import { LayerWriter, type WhiteoutMode } from './layer-writer.js';
import { defaultSpecialFiles } from './native-special-files.js';
import type { SpecialFiles } from './special-files.js';

export interface ApplyLayerOptions {
  /** `overlay` (default) writes an overlayfs lowerdir; `flatten` deletes whited-out paths instead. */
  whiteouts?: WhiteoutMode;
  /** Device node entries are refused (default) or skipped. */
  devices?: 'reject' | 'skip';
  /** mknod/xattr port; defaults to the host tools. */
  specialFiles?: SpecialFiles;
  /** File operations: on the thread pool (default) or, in a worker thread, direct system calls. */
  fs?: LayerFs;
}

export interface AppliedLayer {
  /** sha256 of the uncompressed tar bytes, exactly as read. */
  diffId: Digest;
  /** Length of the uncompressed tar. */
  size: number;
  /** Bytes of regular file content written (a snapshot's approximate size on disk). */
  fileBytes: number;
}

/**
 * Applies an uncompressed layer tar to `dir`, hashing the bytes in the same pass. Hostile entries
 * (escaping paths, writes through symlinks, hardlinks out of the layer, device nodes, malformed or
 * oversized headers) reject with UnsafeArchiveError or InvalidArgumentError; what was written so
 * far stays in `dir`, so callers extract into a private directory they delete on failure (the
 * snapshotter's `ensure` does).
 */
export async function applyLayer(
  tar: Readable,
  dir: string,
  options: ApplyLayerOptions = {},
): Promise<AppliedLayer> {
  const writer = new LayerWriter(dir, {
    whiteouts: options.whiteouts,
    devices: options.devices,
    specialFiles: options.specialFiles ?? defaultSpecialFiles(),
    fs: options.fs,
  });
  const hash = createHash('sha256');
  let size = 0;
  const parser = extract({ highWaterMark: 1 << 20 });
  let failed: unknown;
  let finished = false;
  // The entry being written: a failed write (ENOSPC) leaves the for-await over its data, which
  // destroys the parser without an error before the entry's own rejection names the cause.
  let current: Promise<void> = Promise.resolve();
  parser.on('finish', () => {
    finished = true;
  });
  parser.on('error', (err: unknown) => {
    failed ??= err;
  });
  const closed = new Promise<void>((resolve) => parser.on('close', () => resolve()));
  parser.on('entry', (header, stream, next) => {
    // A truncated archive errors the entry stream too; the parser reports it, so this listener
    // only keeps the entry's copy of the error from being unhandled.
    stream.on('error', () => {});
    current = writer.entry(header, stream).then(
      () => next(),
      (err: unknown) => {
        failed ??= err;
        next(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
  try {
    for await (const chunk of tar) {
      const buf = chunk as Buffer;
      hash.update(buf);
      size += buf.length;
      if (parser.destroyed) break;
      if (!parser.write(buf)) await writable(parser);
    }
    if (!parser.destroyed) parser.end(undefined);
    await closed;
    await current;
    if (failed !== undefined) throw failed;
    if (!finished) throw new InvalidArgumentError(`layer tar processing stopped near byte ${size}`);
  } catch (err) {
    const cause = failed ?? err;
    parser.destroy();
    await current;
    await writer.abort();
    throw describe(cause, size);
  }
  await writer.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, size, fileBytes: writer.fileBytes };
}

/** Resolves when the parser takes more input or is gone (a destroyed stream never drains). */
function writable(parser: NodeJS.EventEmitter & { destroyed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (parser.destroyed) return resolve();
    const done = () => {
      parser.off('drain', done);
      parser.off('close', done);
      resolve();
    };
    parser.on('drain', done);
    parser.on('close', done);
  });
}

/** tar-stream's own errors (bad checksum, truncation, oversized PAX) become specific Skiff errors. */
function describe(err: unknown, offset: number): unknown {
  if (err instanceof SkiffError) return err;
  if (err instanceof Error && !('errno' in err)) {
    return new InvalidArgumentError(
      `layer is not a valid tar archive (near byte ${offset}): ${err.message}`,
      {
        cause: err,
      },
    );
  }
  return err;
}
