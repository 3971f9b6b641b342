import type { Readable } from 'node:stream';
import type { Digest } from '../content/digest.js';
import { DigestMismatchError } from '../errors.js';
import { type AppliedLayer, type ApplyLayerOptions, applyLayer } from './apply-layer.js';
import { type Compression, createDecompressor } from './decompress.js';

export interface UnpackLayerOptions extends ApplyLayerOptions {
  /** The layer's DiffID from the image config; a different uncompressed digest rejects. */
  expectedDiffId?: Digest;
}

export interface UnpackedLayer extends AppliedLayer {
  compression: Compression;
}

/**
 * Decompresses (gzip, zstd or none, by magic bytes), hashes and applies a layer blob in one pass:
 * no temporary tarball. Rejects with DigestMismatchError when the uncompressed bytes do not hash
 * to `expectedDiffId`; the caller's directory then holds a partial layer and must be discarded
 * (Snapshotter.ensure does this when `fill` throws).
 */
export async function unpackLayer(
  blob: Readable,
  dir: string,
  options: UnpackLayerOptions = {},
): Promise<UnpackedLayer> {
  const decompressor = createDecompressor();
  blob.on('error', (err) => decompressor.destroy(err));
  const applied = await applyLayer(blob.pipe(decompressor), dir, options).finally(() => {
    blob.unpipe(decompressor);
    if (!blob.readableEnded) blob.destroy();
  });
  if (options.expectedDiffId !== undefined && applied.diffId !== options.expectedDiffId) {
    throw new DigestMismatchError(options.expectedDiffId, applied.diffId, 'layer diff ID mismatch');
  }
  return { ...applied, compression: decompressor.compression ?? 'none' };
}
