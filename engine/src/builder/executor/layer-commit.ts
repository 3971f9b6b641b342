import { readdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { MediaType } from '../../constants.js';
import type { ContentStore } from '../../content/content-store.js';
import { type Digest, sha256 } from '../../content/digest.js';
import type { ImageLayer } from '../../images/image-record.js';
import { applyLayer } from '../../layers/apply-layer.js';
import { diffDirectory } from '../../layers/diff-directory.js';
import type { SpecialFiles } from '../../layers/special-files.js';
import type { Snapshotter } from '../../snapshots/snapshotter.js';

export interface LayerCommitDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  specialFiles?: SpecialFiles;
}

/**
 * Turns a step's overlay upper dir into a layer: the diff (whiteouts for deletions, opaque
 * markers) is written to the content store as an uncompressed tar, whose digest is the diff ID,
 * then unpacked once into the snapshot for the new chain (shared with every image that has it).
 * An empty upper dir makes no layer: the step is an `empty_layer` in the history, as in moby's
 * `NewChildImage`. The upper dir must not be mounted any more.
 */
export async function commitUpperDir(
  deps: LayerCommitDeps,
  upperDir: string,
  parentChain: Digest | undefined,
): Promise<ImageLayer | undefined> {
  if ((await readdir(upperDir)).length === 0) return undefined;
  const writer = await deps.content.writer();
  let blob: { digest: Digest; size: number };
  try {
    await pipeline(
      diffDirectory(upperDir, { overlay: true, specialFiles: deps.specialFiles }),
      writer.stream,
    );
    blob = await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const diffId = blob.digest;
  const chainId = parentChain === undefined ? diffId : sha256(`${parentChain} ${diffId}`);
  await deps.snapshotter.ensure(chainId, async (dir) => {
    const applied = await applyLayer(deps.content.read(diffId), dir, {
      specialFiles: deps.specialFiles,
      devices: 'skip',
    });
    return { size: applied.fileBytes };
  });
  return {
    diffId,
    chainId,
    size: blob.size,
    blob: { digest: diffId, size: blob.size, mediaType: MediaType.OciLayer },
  };
}
