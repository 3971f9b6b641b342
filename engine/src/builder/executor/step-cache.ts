import type { ImageStore } from '../../images/image-store.js';
import type { Snapshotter } from '../../snapshots/snapshotter.js';
import type { BuildCache, CacheKeyInput } from '../cache/build-cache.js';
import type { StageImage } from './stage-image.js';

/**
 * The build cache as steps use it: a hit is only taken when the recorded image still exists and
 * the snapshot of its top layer is on disk (image removal may have collected it); then the step
 * is not run at all. Entries are written after the step's image is recorded.
 */
export class StepCache {
  constructor(
    private readonly cache: BuildCache,
    private readonly store: ImageStore,
    private readonly snapshotter: Snapshotter,
  ) {}

  key(input: CacheKeyInput): string {
    return this.cache.key(input);
  }

  async lookup(key: string): Promise<StageImage | undefined> {
    const id = await this.cache.get(key);
    if (id === undefined) return undefined;
    const record = await this.store.find(id);
    if (!record) return undefined;
    const top = record.layers[record.layers.length - 1];
    if (top && !(await this.snapshotter.stat(top.chainId))) return undefined;
    return { id: record.id, cacheParent: record.id, config: record.config, layers: record.layers };
  }

  async remember(key: string, image: StageImage): Promise<void> {
    if (image.id) await this.cache.put(key, image.id);
  }
}
