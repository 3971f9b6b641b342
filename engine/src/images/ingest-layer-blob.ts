import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { BlobInfo, ContentStore } from '../content/content-store.js';
import type { Digest } from '../content/digest.js';
import { type Compression, createDecompressor } from '../layers/decompress.js';

export interface IngestedLayer {
  /** The blob as received (possibly compressed), committed to the content store. */
  blob: BlobInfo;
  /** sha256 and length of the uncompressed tar. */
  diffId: Digest;
  size: number;
  compression: Compression;
}

/**
 * Stores a layer blob in the content store and, in the same pass, decompresses it to learn its
 * diff ID (which names the snapshot before it can be unpacked). Nothing is stored on failure.
 */
export async function ingestLayerBlob(content: ContentStore, source: Readable): Promise<IngestedLayer> {
  const writer = await content.writer();
  const decompressor = createDecompressor();
  const hash = createHash('sha256');
  let size = 0;
  const counted = (async () => {
    for await (const chunk of decompressor) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  })();
  counted.catch(() => {});
  try {
    for await (const chunk of source) {
      writer.stream.write(chunk);
      decompressor.write(chunk);
      // Either may have drained while the other was awaited: ask each whether it still needs to.
      if (writer.stream.writableNeedDrain) await once(writer.stream, 'drain');
      if (decompressor.writableNeedDrain) await once(decompressor, 'drain');
    }
    decompressor.end();
    await counted;
    const blob = await writer.commit();
    return {
      blob,
      diffId: `sha256:${hash.digest('hex')}`,
      size,
      compression: decompressor.compression ?? 'none',
    };
  } catch (err) {
    decompressor.destroy();
    await writer.abort();
    throw err;
  }
}
