import type { Digest } from '../content/digest.js';
import type { ImageConfig } from './image-config.js';

/** One layer of an image, bottom first. */
export interface ImageLayer {
  /** sha256 of the uncompressed tar (rootfs.diff_ids[i]). */
  diffId: Digest;
  /** Identity of the layer stack up to here: the snapshot key. */
  chainId: Digest;
  /** Size of the unpacked tar in bytes. */
  size: number;
  /** The blob as a registry holds it (compressed), when the content store has it. */
  blob?: { digest: Digest; size: number; mediaType: string };
}

/**
 * What the engine keeps about an image: its ID (the config digest), the parsed config, the layers
 * and the names that point at it. The config bytes themselves live in the content store.
 */
export interface ImageRecord {
  id: Digest;
  config: ImageConfig;
  layers: ImageLayer[];
  /** Canonical `domain/path:tag` names pointing at this image. */
  repoTags: string[];
  /** Canonical `domain/path@digest` names for manifests this image was pulled or pushed as. */
  repoDigests: string[];
  /** The manifest that described this image last, when it came from or went to a registry. */
  manifest?: { digest: Digest; mediaType: string; size: number };
  /** For build cache lookups: the image this one was built on, and the step that made it. */
  parent?: Digest;
  /** Unix ms when the record was created on this machine. */
  addedAt: number;
  /** Sum of layer sizes (uncompressed). */
  size: number;
}
