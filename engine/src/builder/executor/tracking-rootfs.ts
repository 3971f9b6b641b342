import type { Digest } from '../../content/digest.js';
import type { ContainerRootfs, RootfsManager } from '../../snapshots/snapshotter.js';

/**
 * A RootfsManager that remembers which layer chains the builder has mounted right now, so image
 * garbage collection can leave them alone while a step uses them (see `ImageBuilder.chainsInUse`).
 */
export class TrackingRootfs implements RootfsManager {
  private readonly active = new Map<string, Digest[]>();

  constructor(private readonly inner: RootfsManager) {}

  async prepare(containerId: string, chain: Digest[]): Promise<ContainerRootfs> {
    this.active.set(containerId, [...chain]);
    try {
      return await this.inner.prepare(containerId, chain);
    } catch (err) {
      this.active.delete(containerId);
      throw err;
    }
  }

  mount(containerId: string): Promise<ContainerRootfs> {
    return this.inner.mount(containerId);
  }

  unmount(containerId: string): Promise<void> {
    return this.inner.unmount(containerId);
  }

  async release(containerId: string): Promise<void> {
    try {
      await this.inner.release(containerId);
    } finally {
      this.active.delete(containerId);
    }
  }

  get(containerId: string): Promise<ContainerRootfs | undefined> {
    return this.inner.get(containerId);
  }

  reconcile(keep: ReadonlySet<string>): Promise<string[]> {
    return this.inner.reconcile(keep);
  }

  /** Every chain ID a step or a `COPY --from` view has mounted now. */
  chainsInUse(): Digest[] {
    return [...new Set([...this.active.values()].flat())];
  }
}
