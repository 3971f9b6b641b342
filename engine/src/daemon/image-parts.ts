import path from 'node:path';
import type { EngineConfig } from '../config.js';
import type { ContentStore } from '../content/content-store.js';
import type { Digest } from '../content/digest.js';
import type { EventBus } from '../events/event-bus.js';
import type { ImageService } from '../images/image-service.js';
import type { ImageStore } from '../images/image-store.js';
import { LocalImageService } from '../images/local-image-service.js';
import { LocalImageStore } from '../images/local-image-store.js';
import type { Logger } from '../logger.js';
import { RegistryClient } from '../registry/client/registry-client.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import { EventedImageService } from './evented-image-service.js';

/** What images need to know about containers; bound after the container service exists. */
export interface ImageUsage {
  isImageInUse(id: Digest): Promise<boolean>;
  chainsInUse(): Promise<Iterable<Digest>>;
}

export interface ImageParts {
  imageStore: ImageStore;
  images: ImageService;
  registry: RegistryClient;
  /** Called once the container service exists, so rmi/prune/GC respect running containers. */
  bindUsage(usage: ImageUsage): void;
}

/** The image store, the registry client and the image service (with image events) of one engine. */
export async function createImageParts(deps: {
  config: EngineConfig;
  logger: Logger;
  content: ContentStore;
  snapshotter: Snapshotter;
  events: EventBus;
}): Promise<ImageParts> {
  const logger = deps.logger.child({ component: 'images' });
  const imageStore = await new LocalImageStore(path.join(deps.config.root, 'images')).init();
  const registry = new RegistryClient({
    content: deps.content,
    snapshotter: deps.snapshotter,
    images: imageStore,
    logger: deps.logger,
    registryMirrors: deps.config.registryMirrors,
    insecureRegistries: deps.config.insecureRegistries,
  });
  let usage: ImageUsage | undefined;
  const service = new LocalImageService({
    store: imageStore,
    content: deps.content,
    snapshotter: deps.snapshotter,
    registry,
    isImageInUse: async (id) => (usage ? usage.isImageInUse(id) : false),
    chainsInUse: async () => (usage ? usage.chainsInUse() : []),
    logger,
  });
  return {
    imageStore,
    images: new EventedImageService(service, deps.events),
    registry,
    bindUsage: (u) => {
      usage = u;
    },
  };
}
