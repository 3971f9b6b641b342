import type { Readable } from 'node:stream';
import type { EventBus } from '../events/event-bus.js';
import type { ImageRecord } from '../images/image-record.js';
import type { ImageService } from '../images/image-service.js';
import { familiarName, parseReference } from '../images/reference.js';

function familiar(ref: string): string {
  try {
    return familiarName(parseReference(ref));
  } catch {
    return ref;
  }
}

/**
 * Publishes Docker's image events (`pull`, `push`, `tag`, `untag`, `delete`, `import`, `load`,
 * `save`) around an ImageService, so `/events` reports them without the image service knowing
 * about the bus. Events go out after the operation succeeded, with moby's actor shape
 * (ID = image ID or name, `name` attribute = the familiar reference).
 */
export class EventedImageService implements ImageService {
  constructor(
    private readonly inner: ImageService,
    private readonly events: EventBus,
  ) {}

  private publish(action: string, id: string, name?: string): void {
    this.events.publish('image', action, id, name ? { name: familiar(name) } : {});
  }

  list(options: Parameters<ImageService['list']>[0]) {
    return this.inner.list(options);
  }

  inspect(ref: string) {
    return this.inner.inspect(ref);
  }

  history(ref: string) {
    return this.inner.history(ref);
  }

  async pull(ref: string, options: Parameters<ImageService['pull']>[1]): Promise<ImageRecord> {
    const image = await this.inner.pull(ref, options);
    this.publish('pull', familiar(ref), ref);
    return image;
  }

  async push(ref: string, options: Parameters<ImageService['push']>[1]) {
    const result = await this.inner.push(ref, options);
    this.publish('push', familiar(ref), ref);
    return result;
  }

  async tag(source: string, target: string): Promise<void> {
    await this.inner.tag(source, target);
    const image = await this.inner.inspect(target);
    this.publish('tag', image.id, target);
  }

  async remove(ref: string, options: Parameters<ImageService['remove']>[1]) {
    const deleted = await this.inner.remove(ref, options);
    for (const item of deleted) {
      if ('Untagged' in item) this.publish('untag', item.Untagged, item.Untagged);
      else this.publish('delete', item.Deleted);
    }
    return deleted;
  }

  async prune(options: Parameters<ImageService['prune']>[0]) {
    const result = await this.inner.prune(options);
    for (const item of result.deleted) if ('Deleted' in item) this.publish('delete', item.Deleted);
    this.events.publish('image', 'prune', '', { reclaimed: String(result.spaceReclaimed) });
    return result;
  }

  async importTar(tar: Readable, options: Parameters<ImageService['importTar']>[1]): Promise<ImageRecord> {
    const image = await this.inner.importTar(tar, options);
    this.publish('import', image.id, options.ref);
    return image;
  }

  save(refs: string[]): Readable {
    const out = this.inner.save(refs);
    out.once('end', () => {
      for (const ref of refs) this.publish('save', familiar(ref), ref);
    });
    return out;
  }

  async load(tar: Readable, options?: Parameters<ImageService['load']>[1]) {
    const result = await this.inner.load(tar, options);
    for (const name of result.loaded)
      this.publish('load', name, name.startsWith('sha256:') ? undefined : name);
    return result;
  }
}
