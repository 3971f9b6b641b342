/**
 * Small stand-ins for the image store, the snapshotter and unpackLayer, used until the real ones
 * (images/local-image-store.ts, snapshots/local-snapshotter.ts, layers/unpack-layer.ts) land. They
 * keep the registry tests about the protocol: the unpacker stores the decompressed tar verbatim
 * and checks its diff ID, which is all the registry client relies on.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestHex } from '../../../src/content/digest.js';
import { DigestMismatchError, NotFoundError } from '../../../src/errors.js';
import type { ImageRecord } from '../../../src/images/image-record.js';
import type { ImageStore } from '../../../src/images/image-store.js';
import { normalizeReference } from '../../../src/images/reference.js';
import { createDecompressor } from '../../../src/layers/decompress.js';
import type { SnapshotInfo, Snapshotter } from '../../../src/snapshots/snapshotter.js';

export async function tarUnpacker(blob: Readable, dir: string, options: { expectedDiffId?: Digest }) {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    blob,
    createDecompressor(),
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    }),
    createWriteStream(path.join(dir, 'layer.tar')),
  );
  const diffId: Digest = `sha256:${hash.digest('hex')}`;
  if (options.expectedDiffId && diffId !== options.expectedDiffId) {
    throw new DigestMismatchError(options.expectedDiffId, diffId, 'layer diff ID mismatch');
  }
  return { diffId, size };
}

export class DirSnapshotter implements Snapshotter {
  private readonly inflight = new Map<string, Promise<SnapshotInfo>>();
  fills = 0;
  constructor(readonly root: string) {}

  dir(chainId: Digest) {
    return path.join(this.root, digestHex(chainId));
  }
  lowerName(chainId: Digest) {
    return digestHex(chainId);
  }
  async stat(chainId: Digest): Promise<SnapshotInfo | undefined> {
    try {
      const st = await stat(this.dir(chainId));
      return { chainId, size: 0, createdAt: st.mtimeMs };
    } catch {
      return undefined;
    }
  }
  ensure(chainId: Digest, fill: (dir: string) => Promise<void>): Promise<SnapshotInfo> {
    const running = this.inflight.get(chainId);
    if (running) return running;
    const p = (async () => {
      const have = await this.stat(chainId);
      if (have) return have;
      const tmp = path.join(this.root, `tmp-${Math.random().toString(36).slice(2)}`);
      await mkdir(tmp, { recursive: true });
      try {
        this.fills++;
        await fill(tmp);
        await rename(tmp, this.dir(chainId));
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      return (await this.stat(chainId))!;
    })().finally(() => this.inflight.delete(chainId));
    this.inflight.set(chainId, p);
    return p;
  }
  async list() {
    return [];
  }
  async remove(chainId: Digest) {
    await rm(this.dir(chainId), { recursive: true, force: true });
  }
  async names() {
    return (await readdir(this.root)).sort();
  }
}

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
