import type { ContentStore } from '../content/content-store.js';
import type { Digest } from '../content/digest.js';
import type { SpecialFiles } from '../layers/special-files.js';
import type { Logger } from '../logger.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { Platform } from './image-config.js';
import type { ImageService } from './image-service.js';
import type { ImageStore } from './image-store.js';

/** What LocalImageService is built from, wired once at the composition root. */
export interface ImageServiceDeps {
  store: ImageStore;
  content: ContentStore;
  snapshotter: Snapshotter;
  /** Pull and push; without one they fail with SKIFF_REGISTRY_UNAVAILABLE. */
  registry?: Pick<ImageService, 'pull' | 'push'>;
  /** Whether a container uses the image: rmi then needs force, prune skips it. */
  isImageInUse?: (id: Digest) => Promise<boolean>;
  /**
   * Chain IDs of snapshots that containers have mounted. Garbage collection never deletes them;
   * without this, snapshots of a force-removed image a container still uses are kept.
   */
  chainsInUse?: () => Promise<Iterable<Digest>>;
  logger: Logger;
  now?: () => Date;
  /** The platform imported images get by default (the host's). */
  platform?: Platform;
  specialFiles?: SpecialFiles;
}
