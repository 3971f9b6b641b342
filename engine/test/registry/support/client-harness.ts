import path from 'node:path';
import { LocalContentStore } from '../../../src/content/local-content-store.js';
import type { ProgressMessage } from '../../../src/images/image-service.js';
import { unpackLayer } from '../../../src/layers/unpack-layer.js';
import { silentLogger } from '../../../src/logger.js';
import { RegistryClient, type RegistryClientOptions } from '../../../src/registry/client/registry-client.js';
import { LocalSnapshotter } from '../../../src/snapshots/local-snapshotter.js';
import { MemoryImageStore } from './interim-stores.js';

/** A registry client over a fresh content store, snapshotter and image store under `root`. */
export async function makeClient(root: string, options: Partial<RegistryClientOptions> = {}) {
  const content = await new LocalContentStore(path.join(root, 'content')).init();
  const snapshotter = await new LocalSnapshotter(path.join(root, 'snapshots')).init();
  const images = new MemoryImageStore();
  const client = new RegistryClient({
    content,
    snapshotter,
    images,
    unpackLayer,
    logger: silentLogger(),
    dockerConfigPath: path.join(root, 'no-docker-config.json'),
    retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5000 },
    ...options,
  });
  const messages: ProgressMessage[] = [];
  const progress = (m: ProgressMessage) => messages.push(m);
  return { client, content, snapshotter, images, messages, progress };
}
