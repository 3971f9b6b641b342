import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Digest, digestHex, isDigest, sha256 } from '../content/digest.js';
import { ConflictError, InvalidArgumentError, isErrno, NotFoundError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { withFileLock } from '../util/file-lock.js';
import type { ImageLayer, ImageRecord } from './image-record.js';
import type { ImageDeleteItem, ImageStore } from './image-store.js';
import { familiarName, formatReference, type ImageReference, parseReference } from './reference.js';

/** What is stored per image: the record without its names, which live in their own files. */
type StoredRecord = Omit<ImageRecord, 'repoTags' | 'repoDigests'>;

/** One name file: a tag (`docker.io/library/redis:7`) or a digest name (`…/redis@sha256:…`). */
interface NameFile {
  name: string;
  id: Digest;
}

/** How a user reference matched an image. */
interface Resolved {
  record: ImageRecord;
  via: 'id' | 'tag' | 'digest';
  /** The canonical name for `tag` and `digest` matches. */
  name?: string;
}

export interface LocalImageStoreOptions {
  now?: () => number;
}

export interface RemoveImageOptions {
  force?: boolean;
  inUse?: (id: Digest) => Promise<boolean>;
  /** Keep untagged parent images that the deletion leaves without children (`docker rmi --no-prune`). */
  noprune?: boolean;
}

const ID_PREFIX = /^(?:sha256:)?([a-f0-9]{1,64})$/;
/** Name directories changed more recently than this are read again even if their mtime matches. */
const RACY_MS = 100;

/**
 * ImageStore on disk: `records/<id hex>.json` per image, `tags/<sha256 of name>.json` per tag and
 * `digests/<sha256 of name>.json` per repo digest. Every file is replaced atomically (write, then
 * rename), so concurrent engines and CLI calls never see half a record or lose each other's tags;
 * operations that touch several files run under one lock file.
 */
export class LocalImageStore implements ImageStore {
  private readonly recordsDir: string;
  private readonly tagsDir: string;
  private readonly digestsDir: string;
  private readonly lockPath: string;
  private readonly now: () => number;
  private namesCache:
    | { stamp: string; names: Map<Digest, { tags: string[]; digests: string[] }> }
    | undefined;

  constructor(
    readonly dir: string,
    options: LocalImageStoreOptions = {},
  ) {
    this.recordsDir = path.join(dir, 'records');
    this.tagsDir = path.join(dir, 'tags');
    this.digestsDir = path.join(dir, 'digests');
    this.lockPath = path.join(dir, '.lock');
    this.now = options.now ?? Date.now;
  }

  async init(): Promise<this> {
    for (const d of [this.recordsDir, this.tagsDir, this.digestsDir]) await mkdir(d, { recursive: true });
    return this;
  }

  async get(ref: string): Promise<ImageRecord> {
    const found = await this.resolve(ref);
    if (!found) throw new NotFoundError('image', ref);
    return found.record;
  }

  async find(ref: string): Promise<ImageRecord | undefined> {
    return (await this.resolve(ref))?.record;
  }

  async list(): Promise<ImageRecord[]> {
    const names = await this.names();
    const out: ImageRecord[] = [];
    for (const file of await readdir(this.recordsDir)) {
      const hex = file.endsWith('.json') ? file.slice(0, -5) : '';
      if (!/^[a-f0-9]{64}$/.test(hex)) continue;
      const stored = await this.readRecord(hex);
      if (stored) out.push(withNames(stored, names));
    }
    return out.sort((a, b) => b.addedAt - a.addedAt || a.id.localeCompare(b.id));
  }

  async put(input: Parameters<ImageStore['put']>[0]): Promise<ImageRecord> {
    const id = input.configDigest;
    if (!isDigest(id)) throw new InvalidArgumentError(`invalid image ID ${JSON.stringify(id)}`);
    const tags = (input.tags ?? []).map((t) => tagName(t));
    const repoDigests = (input.repoDigests ?? []).map((d) => digestName(d));
    await this.locked(async () => {
      const existing = await this.readRecord(digestHex(id));
      const stored: StoredRecord = {
        id,
        config: input.config,
        layers: input.layers,
        ...((input.manifest ?? existing?.manifest) ? { manifest: input.manifest ?? existing?.manifest } : {}),
        ...((input.parent ?? existing?.parent) ? { parent: input.parent ?? existing?.parent } : {}),
        addedAt: existing?.addedAt ?? this.now(),
        size: layerSize(input.layers),
      };
      await writeJsonAtomic(this.recordPath(digestHex(id)), stored);
      for (const name of tags) await this.writeName(this.tagsDir, name, id);
      for (const name of repoDigests) await this.writeName(this.digestsDir, name, id);
    });
    return this.get(id);
  }

  async tag(idOrRef: string, newRef: string): Promise<void> {
    const name = tagName(newRef);
    await this.locked(async () => {
      const source = await this.get(idOrRef);
      await this.writeName(this.tagsDir, name, source.id);
    });
  }

  async untag(ref: string): Promise<Digest | undefined> {
    const parsed = parseReference(ref);
    return this.locked(async () => this.removeName(parsed));
  }

  async addRepoDigest(id: Digest, repoDigest: string): Promise<void> {
    const name = digestName(repoDigest);
    await this.locked(async () => {
      if (!(await this.readRecord(digestHex(id)))) throw new NotFoundError('image', id);
      await this.writeName(this.digestsDir, name, id);
    });
  }

  /**
   * `docker rmi`, following moby's daemon/images/image_delete.go: a name untags, and deletes the
   * image when no name is left; an ID deletes the image with its names when they all belong to
   * one repository, and otherwise needs `force`. Images with child images are never deleted;
   * images in use need `force`. Untagged parents left without children are deleted too.
   */
  async remove(ref: string, options: RemoveImageOptions = {}): Promise<ImageDeleteItem[]> {
    return this.locked(async () => {
      const found = await this.resolve(ref);
      if (!found) throw new NotFoundError('image', ref);
      const { record } = found;
      const items: ImageDeleteItem[] = [];
      if (found.via !== 'id' && found.name !== undefined) {
        await this.removeName(parseReference(found.name));
        items.push({ Untagged: familiarName(parseReference(found.name)) });
        let after = await this.readNames(record.id);
        if (found.via === 'tag') {
          // A removed tag takes the digest names of its repository along when no tag of that
          // repository is left (moby does the same).
          const repo = repoOf(found.name);
          if (!after.tags.some((t) => repoOf(t) === repo)) {
            for (const d of after.digests.filter((n) => repoOf(n) === repo)) {
              await this.removeName(parseReference(d));
              items.push({ Untagged: familiarName(parseReference(d)) });
            }
            after = await this.readNames(record.id);
          }
        }
        if (after.tags.length + after.digests.length > 0) return items;
        await this.deleteImage(record.id, options, items, true);
        return items;
      }
      const repos = new Set([...record.repoTags, ...record.repoDigests].map(repoOf));
      if ((repos.size > 1 || record.repoTags.length > 1) && !options.force) {
        throw new ConflictError(
          `conflict: unable to delete ${short(record.id)} (must be forced) - image is referenced in multiple repositories`,
        );
      }
      await this.deleteImage(record.id, options, items, false);
      return items;
    });
  }

  private async deleteImage(
    id: Digest,
    options: RemoveImageOptions,
    items: ImageDeleteItem[],
    quiet: boolean,
  ): Promise<void> {
    try {
      await this.checkDeletable(id, options);
    } catch (err) {
      // After untagging its last name the image simply stays when something still needs it.
      if (quiet && err instanceof ConflictError) return;
      throw err;
    }
    const stored = await this.readRecord(digestHex(id));
    const names = await this.readNames(id);
    for (const n of [...names.tags, ...names.digests]) {
      await this.removeName(parseReference(n));
      items.push({ Untagged: familiarName(parseReference(n)) });
    }
    await rm(this.recordPath(digestHex(id)), { force: true });
    items.push({ Deleted: id });
    const parent = stored?.parent;
    if (options.noprune || parent === undefined || !(await this.readRecord(digestHex(parent)))) return;
    const parentNames = await this.readNames(parent);
    if (parentNames.tags.length + parentNames.digests.length > 0) return;
    await this.deleteImage(parent, { ...options, force: false }, items, true);
  }

  private async checkDeletable(id: Digest, options: RemoveImageOptions): Promise<void> {
    const children = (await this.list()).filter((r) => r.parent === id);
    if (children.length > 0) {
      throw new ConflictError(
        `conflict: unable to delete ${short(id)} (cannot be forced) - image has dependent child images`,
      );
    }
    if (!options.force && options.inUse && (await options.inUse(id))) {
      throw new ConflictError(
        `conflict: unable to delete ${short(id)} (must be forced) - image is being used by a container; remove the container first or use force`,
      );
    }
  }

  private async resolve(ref: string): Promise<Resolved | undefined> {
    const input = ref.trim();
    const full = /^(?:sha256:)?([a-f0-9]{64})$/.exec(input);
    if (full) {
      const stored = await this.readRecord(full[1] as string);
      return stored ? { record: await this.withNamesOf(stored), via: 'id' } : undefined;
    }
    let parsed: ImageReference | undefined;
    try {
      parsed = parseReference(input);
    } catch {
      parsed = undefined;
    }
    if (parsed) {
      const byDigest = parsed.digest !== undefined;
      const name = byDigest ? formatReference({ ...parsed, tag: undefined }) : formatReference(parsed);
      const file = await this.readName(byDigest ? this.digestsDir : this.tagsDir, name);
      const stored = file && (await this.readRecord(digestHex(file.id)));
      if (stored) return { record: await this.withNamesOf(stored), via: byDigest ? 'digest' : 'tag', name };
    }
    const prefix = ID_PREFIX.exec(input);
    if (!prefix) return undefined;
    const matches = (await readdir(this.recordsDir)).filter(
      (f) => f.startsWith(prefix[1] as string) && /^[a-f0-9]{64}\.json$/.test(f),
    );
    if (matches.length > 1) {
      throw new NotFoundError(
        'image',
        ref,
        `No such image: ${ref} (the ID prefix matches ${matches.length} images)`,
      );
    }
    const stored = matches[0] && (await this.readRecord((matches[0] as string).slice(0, 64)));
    return stored ? { record: await this.withNamesOf(stored), via: 'id' } : undefined;
  }

  private async withNamesOf(stored: StoredRecord): Promise<ImageRecord> {
    const names = await this.readNames(stored.id);
    return { ...stored, repoTags: [...names.tags], repoDigests: [...names.digests] };
  }

  private async readNames(id: Digest): Promise<{ tags: string[]; digests: string[] }> {
    const all = await this.names();
    return all.get(id) ?? { tags: [], digests: [] };
  }

  /**
   * Every name, grouped by image ID, sorted. Cached while neither name directory changed: any
   * create, replace (rename) or delete of a name file updates its directory's mtime. A directory
   * touched in the last moments is re-read anyway, since coarse timestamps could hide a second
   * change within the same tick (git's racy-index rule).
   */
  private async names(): Promise<Map<Digest, { tags: string[]; digests: string[] }>> {
    const [tagsSt, digestsSt] = await Promise.all([stat(this.tagsDir), stat(this.digestsDir)]);
    const stamp = `${tagsSt.mtimeMs}:${digestsSt.mtimeMs}`;
    const settled = Date.now() - Math.max(tagsSt.mtimeMs, digestsSt.mtimeMs) > RACY_MS;
    if (this.namesCache?.stamp === stamp && settled) return this.namesCache.names;
    const out = new Map<Digest, { tags: string[]; digests: string[] }>();
    for (const [dir, key] of [
      [this.tagsDir, 'tags'],
      [this.digestsDir, 'digests'],
    ] as const) {
      for (const file of await readdir(dir)) {
        if (!file.endsWith('.json')) continue;
        const entry = await readJson<NameFile>(path.join(dir, file));
        if (!entry || !isDigest(entry.id)) continue;
        let names = out.get(entry.id);
        if (!names) {
          names = { tags: [], digests: [] };
          out.set(entry.id, names);
        }
        names[key].push(entry.name);
      }
    }
    for (const n of out.values()) {
      n.tags.sort();
      n.digests.sort();
    }
    this.namesCache = { stamp, names: out };
    return out;
  }

  private async removeName(ref: ImageReference): Promise<Digest | undefined> {
    const byDigest = ref.digest !== undefined;
    const name = byDigest ? formatReference({ ...ref, tag: undefined }) : formatReference(ref);
    const dir = byDigest ? this.digestsDir : this.tagsDir;
    const file = await this.readName(dir, name);
    if (!file) return undefined;
    await rm(this.namePath(dir, name), { force: true });
    return file.id;
  }

  private async writeName(dir: string, name: string, id: Digest): Promise<void> {
    await writeJsonAtomic(this.namePath(dir, name), { name, id } satisfies NameFile);
  }

  private async readName(dir: string, name: string): Promise<NameFile | undefined> {
    const file = await readJson<NameFile>(this.namePath(dir, name));
    return file?.name === name ? file : undefined;
  }

  private namePath(dir: string, name: string): string {
    return path.join(dir, `${digestHex(sha256(name))}.json`);
  }

  private recordPath(hex: string): string {
    return path.join(this.recordsDir, `${hex}.json`);
  }

  private readRecord(hex: string): Promise<StoredRecord | undefined> {
    return readJson<StoredRecord>(this.recordPath(hex));
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath, fn, { timeoutMs: 60_000, pollMs: 5 });
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function withNames(
  stored: StoredRecord,
  names: Map<Digest, { tags: string[]; digests: string[] }>,
): ImageRecord {
  const n = names.get(stored.id);
  return { ...stored, repoTags: [...(n?.tags ?? [])], repoDigests: [...(n?.digests ?? [])] };
}

/** A name to tag with: normalised, `latest` when no tag is given, never a digest. */
function tagName(ref: string): string {
  const parsed = parseReference(ref);
  if (parsed.digest !== undefined) {
    throw new InvalidArgumentError(
      `refusing to create a tag with a digest reference: ${JSON.stringify(ref)}`,
    );
  }
  return formatReference(parsed);
}

/** `repo@sha256:…` normalised; a tag given alongside is dropped as Docker does. */
function digestName(ref: string): string {
  const parsed = parseReference(ref);
  if (parsed.digest === undefined) {
    throw new InvalidArgumentError(`${JSON.stringify(ref)} is not a digest reference (name@sha256:…)`);
  }
  return formatReference({ ...parsed, tag: undefined });
}

function repoOf(name: string): string {
  const ref = parseReference(name);
  return `${ref.domain}/${ref.path}`;
}

function short(id: Digest): string {
  return digestHex(id).slice(0, 12);
}

function layerSize(layers: readonly ImageLayer[]): number {
  return layers.reduce((sum, l) => sum + l.size, 0);
}
