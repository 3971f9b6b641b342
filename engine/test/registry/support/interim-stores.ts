/**
 * An in-memory image store for the registry tests, until images/local-image-store.ts lands: the
 * registry client only needs put/find/get/tag/addRepoDigest.
 */
import type { Digest } from '../../../src/content/digest.js';
import { NotFoundError } from '../../../src/errors.js';
import type { ImageRecord } from '../../../src/images/image-record.js';
import type { ImageStore } from '../../../src/images/image-store.js';
import { normalizeReference } from '../../../src/images/reference.js';

export class MemoryImageStore implements ImageStore {
  readonly records = new Map<string, ImageRecord>();
  readonly tags = new Map<string, string>();

  async get(ref: string) {
    const r = await this.find(ref);
    if (!r) throw new NotFoundError('image', ref);
    return r;
  }
  async find(ref: string) {
    if (this.records.has(ref)) return this.records.get(ref);
    try {
      const id = this.tags.get(normalizeReference(ref));
      return id ? this.records.get(id) : undefined;
    } catch {
      return undefined;
    }
  }
  async list() {
    return [...this.records.values()];
  }
  async put(input: Parameters<ImageStore['put']>[0]) {
    const old = this.records.get(input.configDigest);
    const record: ImageRecord = {
      id: input.configDigest,
      config: input.config,
      layers: input.layers,
      repoTags: [...new Set([...(old?.repoTags ?? []), ...(input.tags ?? [])])],
      repoDigests: [...new Set([...(old?.repoDigests ?? []), ...(input.repoDigests ?? [])])],
      ...(input.manifest ? { manifest: input.manifest } : {}),
      addedAt: old?.addedAt ?? Date.now(),
      size: input.layers.reduce((n, l) => n + l.size, 0),
    };
    this.records.set(record.id, record);
    for (const t of input.tags ?? []) this.tags.set(t, record.id);
    return record;
  }
  async tag(idOrRef: string, newRef: string) {
    const r = await this.get(idOrRef);
    this.tags.set(normalizeReference(newRef), r.id);
    r.repoTags = [...new Set([...r.repoTags, normalizeReference(newRef)])];
  }
  async untag(ref: string) {
    const id = this.tags.get(normalizeReference(ref));
    this.tags.delete(normalizeReference(ref));
    return id as Digest | undefined;
  }
  async addRepoDigest(id: Digest, repoDigest: string) {
    const r = this.records.get(id);
    if (r && !r.repoDigests.includes(repoDigest)) r.repoDigests.push(repoDigest);
  }
  async remove() {
    return [];
  }
}
