import type { Digest } from '../content/digest.js';
import type { ImageConfig } from './image-config.js';
import type { ImageLayer, ImageRecord } from './image-record.js';

/** What removing a name or an image did, in Docker's `DELETE /images/{name}` terms. */
export type ImageDeleteItem = { Untagged: string } | { Deleted: string };

/**
 * Image records and the names that point at them, on disk under `<root>/images`, shared by every
 * engine on the machine. Each tag is its own file replaced atomically, so concurrent CLI calls and
 * engines never lose each other's updates. Layers themselves are the snapshotter's business.
 */
export interface ImageStore {
  /**
   * Resolves a user reference: a full or short (≥ 12 hex) image ID with or without `sha256:`, a
   * name (`redis`, `redis:7`, `docker.io/library/redis:7`) or `name@digest`. Throws NotFoundError
   * with Docker's message `No such image: <ref>`.
   */
  get(ref: string): Promise<ImageRecord>;
  find(ref: string): Promise<ImageRecord | undefined>;
  list(): Promise<ImageRecord[]>;
  /**
   * Records an image whose config blob is already in the content store (its digest is the ID) and
   * whose layer snapshots exist. Idempotent for the same config. Tags given are applied.
   */
  put(input: {
    configDigest: Digest;
    config: ImageConfig;
    layers: ImageLayer[];
    tags?: string[];
    repoDigests?: string[];
    manifest?: ImageRecord['manifest'];
    parent?: Digest;
  }): Promise<ImageRecord>;
  /** Points a name (normalised here) at an image, moving it off any other image. */
  tag(idOrRef: string, newRef: string): Promise<void>;
  /** Removes a name; returns the image it pointed to, or undefined if there was none. */
  untag(ref: string): Promise<Digest | undefined>;
  addRepoDigest(id: Digest, repoDigest: string): Promise<void>;
  /**
   * `docker rmi` semantics: a name untags (and deletes the image when it was the last name); an ID
   * deletes the image, refusing (ConflictError) if several names point at it unless `force`.
   * `inUse(id)` tells whether a container uses it (ConflictError unless `force`).
   * Deleting snapshots and blobs no image references any longer is the ImageService's job.
   */
  remove(
    ref: string,
    options: {
      force?: boolean;
      inUse?: (id: Digest) => Promise<boolean>;
      /** Keep untagged parents the deletion leaves without children (`docker rmi --no-prune`). */
      noprune?: boolean;
    },
  ): Promise<ImageDeleteItem[]>;
}
