import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { Digest } from '../content/digest.js';
import { InvalidArgumentError, SkiffError } from '../errors.js';
import { LayerWriter, type WhiteoutMode } from './layer-writer.js';
import { HostSpecialFiles, type SpecialFiles } from './special-files.js';

export interface ApplyLayerOptions {
  /** `overlay` (default) writes an overlayfs lowerdir; `flatten` deletes whited-out paths instead. */
  whiteouts?: WhiteoutMode;
  /** Device node entries are refused (default) or skipped. */
  devices?: 'reject' | 'skip';
  /** mknod/xattr port; defaults to the host tools. */
  specialFiles?: SpecialFiles;
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
    specialFiles: options.specialFiles ?? new HostSpecialFiles(),
  });
  const hash = createHash('sha256');
  let size = 0;
  const parser = extract({ highWaterMark: 1 << 20 });
  let failed: unknown;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('finish', () => resolve());
    parser.on('error', (err: unknown) => {
      failed ??= err;
      reject(failed);
    });
    parser.on('close', () => (failed ? reject(failed) : resolve()));
  });
  done.catch(() => {});
  parser.on('entry', (header, stream, next) => {
    // A truncated archive errors the entry stream too; the parser reports it, so this listener
    // only keeps the entry's copy of the error from being unhandled.
    stream.on('error', () => {});
    writer.entry(header, stream).then(
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
      if (failed) break;
      if (!parser.write(buf)) await drainOrFail(parser, () => failed);
      if (failed) break;
    }
    if (!failed) parser.end(undefined);
    await done;
  } catch (err) {
    const cause = failed ?? err;
    parser.destroy();
    await writer.abort();
    throw describe(cause, size);
  }
  await writer.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, size, fileBytes: writer.fileBytes };
}

function drainOrFail(parser: NodeJS.EventEmitter, failed: () => unknown): Promise<void> {
  return new Promise((resolve) => {
    if (failed()) return resolve();
    const done = () => {
      parser.off('drain', done);
      parser.off('close', done);
      parser.off('error', done);
      resolve();
    };
    parser.on('drain', done);
    parser.on('close', done);
    parser.on('error', done);
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
