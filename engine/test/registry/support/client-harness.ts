import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalContentStore } from '../../../src/content/local-content-store.js';
import type { ProgressMessage } from '../../../src/images/image-service.js';
import { silentLogger } from '../../../src/logger.js';
import { RegistryClient, type RegistryClientOptions } from '../../../src/registry/client/registry-client.js';
import { DirSnapshotter, MemoryImageStore, tarUnpacker } from './interim-stores.js';

/** A registry client over a fresh content store, snapshotter and image store under `root`. */
export async function makeClient(root: string, options: Partial<RegistryClientOptions> = {}) {
  const content = await new LocalContentStore(path.join(root, 'content')).init();
  await mkdir(path.join(root, 'snapshots'), { recursive: true });
  const snapshotter = new DirSnapshotter(path.join(root, 'snapshots'));
  const images = new MemoryImageStore();
  const client = new RegistryClient({
    content,
    snapshotter,
    images,
    unpackLayer: tarUnpacker,
    logger: silentLogger(),
    dockerConfigPath: path.join(root, 'no-docker-config.json'),
    retry: { retries: 3, minDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5000 },
    ...options,
  });
  const messages: ProgressMessage[] = [];
  const progress = (m: ProgressMessage) => messages.push(m);
  return { client, content, snapshotter, images, messages, progress };
}
