import type { Readable } from 'node:stream';
import type { Digest } from '../content/digest.js';
import { SkiffError } from '../errors.js';
import {
  checkFilterNames,
  createdMs,
  danglingFilter,
  type ImageFilters,
  labelsMatch,
  parseUntil,
  referenceMatches,
} from './image-filters.js';
import { imageHistory } from './image-history.js';
import type { ImageRecord } from './image-record.js';
import type { ImageService, ProgressSink, RegistryAuth } from './image-service.js';
import type { ImageServiceDeps } from './image-service-deps.js';
import type { ImageDeleteItem } from './image-store.js';
import { type ImportOptions, importImage } from './import-image.js';
import { loadArchive } from './load-archive.js';
import { saveArchive } from './save-archive.js';

/**
 * The image facade the API and CLI use: listing with Docker's filters, inspect, history, tag,
 * rmi and prune (which also delete the snapshots and blobs no image needs any more), import,
 * save and load. Pull and push belong to the registry client, injected when there is one.
 */
export class LocalImageService implements ImageService {
  constructor(private readonly deps: ImageServiceDeps) {}

  async list(options: { all?: boolean; filters?: ImageFilters } = {}): Promise<ImageRecord[]> {
    const filters = options.filters ?? {};
    checkFilterNames(filters, 'list');
    const all = await this.deps.store.list();
    const parents = new Set(all.map((r) => r.parent).filter((p) => p !== undefined));
    const dangling = danglingFilter(filters);
    const before = await this.boundary(filters.before);
    const since = await this.boundary(filters.since);
    return all.filter((r) => {
      // Docker hides untagged intermediate images (parents of others) unless -a.
      if (!options.all && r.repoTags.length === 0 && parents.has(r.id)) return false;
      if (dangling !== undefined && (r.repoTags.length === 0) !== dangling) return false;
      if (!labelsMatch(r.config.config?.Labels, filters)) return false;
      if (filters.reference?.length && !referenceMatches(r, filters.reference)) return false;
      if (before !== undefined && !(createdMs(r) < before)) return false;
      if (since !== undefined && !(createdMs(r) > since)) return false;
      return true;
    });
  }

  inspect(ref: string): Promise<ImageRecord> {
    return this.deps.store.get(ref);
  }

  async history(ref: string) {
    const record = await this.deps.store.get(ref);
    const byId = new Map((await this.deps.store.list()).map((r) => [r.id, r]));
    return imageHistory(record, (id) => byId.get(id));
  }

  pull(
    ref: string,
    options: { platform?: string; auth?: RegistryAuth; progress?: ProgressSink },
  ): Promise<ImageRecord> {
    if (!this.deps.registry) return Promise.reject(registryUnavailable('pull', ref));
    return this.deps.registry.pull(ref, options);
  }

  push(ref: string, options: { auth?: RegistryAuth; progress?: ProgressSink }) {
    if (!this.deps.registry) return Promise.reject(registryUnavailable('push', ref));
    return this.deps.registry.push(ref, options);
  }

  tag(source: string, target: string): Promise<void> {
    return this.deps.store.tag(source, target);
  }

  async remove(
    ref: string,
    options: { force?: boolean; noprune?: boolean } = {},
  ): Promise<ImageDeleteItem[]> {
    const before = new Map((await this.deps.store.list()).map((r) => [r.id, r]));
    const items = await this.deps.store.remove(ref, {
      force: options.force,
      noprune: options.noprune,
      inUse: this.deps.isImageInUse,
    });
    const deleted = deletedIds(items)
      .map((id) => before.get(id))
      .filter((r) => r !== undefined);
    const { removedChains } = await this.collectGarbage(deleted);
    return [...items, ...removedChains.map((c) => ({ Deleted: c }))];
  }

  /**
   * `docker image prune`: dangling images by default; with `dangling=false` every image no
   * container uses. Tagged images are removed name by name, as Docker does.
   */
  async prune(options: { dangling?: boolean; filters?: ImageFilters } = {}) {
    const filters = options.filters ?? {};
    checkFilterNames(filters, 'prune');
    const danglingOnly = options.dangling ?? danglingFilter(filters) ?? true;
    const until = filters.until?.length
      ? Math.min(...filters.until.map((u) => parseUntil(u, (this.deps.now?.() ?? new Date()).getTime())))
      : undefined;
    const deleted: ImageDeleteItem[] = [];
    const removed: ImageRecord[] = [];
    for (let progress = true; progress; ) {
      progress = false;
      const all = await this.deps.store.list();
      const parents = new Set(all.map((r) => r.parent).filter((p) => p !== undefined));
      for (const r of all) {
        if (parents.has(r.id)) continue;
        if (danglingOnly && r.repoTags.length > 0) continue;
        if (!labelsMatch(r.config.config?.Labels, filters)) continue;
        if (until !== undefined && createdMs(r) >= until) continue;
        if (this.deps.isImageInUse && (await this.deps.isImageInUse(r.id))) continue;
        for (const name of r.repoTags)
          deleted.push(...(await this.deps.store.remove(name, { noprune: true })));
        if (await this.deps.store.find(r.id)) {
          deleted.push(...(await this.deps.store.remove(r.id, { noprune: true })));
        }
        removed.push(r);
        progress = true;
      }
    }
    const gc = await this.collectGarbage(removed);
    deleted.push(...gc.removedChains.map((c) => ({ Deleted: c })));
    return { deleted, spaceReclaimed: gc.bytes };
  }

  importTar(tar: Readable, options: ImportOptions): Promise<ImageRecord> {
    return importImage(this.deps, tar, options);
  }

  save(refs: string[]): Readable {
    return saveArchive(this.deps, refs);
  }

  load(tar: Readable, options: { progress?: ProgressSink } = {}): Promise<{ loaded: string[] }> {
    return loadArchive(this.deps, tar, options.progress);
  }

  private async boundary(values: string[] | undefined): Promise<number | undefined> {
    if (!values?.length) return undefined;
    const times = await Promise.all(values.map(async (v) => createdMs(await this.deps.store.get(v))));
    return Math.min(...times);
  }

  /**
   * Deletes the snapshots and blobs of `removed` images that no remaining image references and
   * no container has mounted. (A pull running at the same moment may still race with this; the
   * registry client re-checks its snapshots before recording an image.)
   */
  private async collectGarbage(
    removed: readonly ImageRecord[],
  ): Promise<{ removedChains: Digest[]; bytes: number }> {
    if (removed.length === 0) return { removedChains: [], bytes: 0 };
    const chains = new Set<Digest>();
    const blobs = new Set<Digest>();
    for (const r of await this.deps.store.list()) {
      blobs.add(r.id);
      if (r.manifest) blobs.add(r.manifest.digest);
      for (const l of r.layers) {
        chains.add(l.chainId);
        if (l.blob) blobs.add(l.blob.digest);
      }
    }
    const mounted = this.deps.chainsInUse ? new Set(await this.deps.chainsInUse()) : undefined;
    const removedChains: Digest[] = [];
    let bytes = 0;
    for (const r of removed) {
      // Without knowing what containers mount, keep the snapshots of an image a container uses.
      const keepSnapshots = mounted === undefined && (await this.deps.isImageInUse?.(r.id));
      for (const l of r.layers) {
        if (!chains.has(l.chainId) && !keepSnapshots && !mounted?.has(l.chainId)) {
          const info = await this.deps.snapshotter.stat(l.chainId);
          if (info) {
            await this.deps.snapshotter.remove(l.chainId);
            removedChains.push(l.chainId);
            bytes += info.size;
          }
          chains.add(l.chainId);
        }
        for (const d of [l.blob?.digest, l.diffId]) {
          if (d !== undefined && !blobs.has(d)) await this.deps.content.delete(d);
        }
      }
      for (const d of [r.id, r.manifest?.digest]) {
        if (d !== undefined && !blobs.has(d)) await this.deps.content.delete(d);
      }
    }
    this.deps.logger.debug({ removed: removed.map((r) => r.id), removedChains }, 'image garbage collected');
    return { removedChains, bytes };
  }
}

function deletedIds(items: readonly ImageDeleteItem[]): Digest[] {
  return items.flatMap((i) => ('Deleted' in i ? [i.Deleted as Digest] : []));
}

function registryUnavailable(verb: 'pull' | 'push', ref: string): SkiffError {
  return new SkiffError(
    'SKIFF_REGISTRY_UNAVAILABLE',
    `cannot ${verb} ${ref}: this engine was started without a registry client; import or load the image instead`,
  );
}
