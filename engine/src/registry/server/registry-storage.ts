import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BlobInfo } from '../../content/content-store.js';
import { type Digest, digestHex, isDigest } from '../../content/digest.js';
import { LocalContentStore } from '../../content/local-content-store.js';
import { isErrno } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

/**
 * The registry server's disk layout under `root`:
 *
 *   blobs/sha256/<hex>                            every blob and manifest, once (LocalContentStore)
 *   ingest/<ref>/data                             uploads in progress (content-store ingests)
 *   repositories/<name>/_layers/<hex>             blob <hex> belongs to repository <name>
 *   repositories/<name>/_manifests/revisions/<hex>  manifest <hex> is in <name>; holds its media type
 *   repositories/<name>/_manifests/tags/<tag>     holds the digest the tag points at
 *   uploads/<uuid>.json                           upload sessions: which repository owns them
 *
 * Content becomes visible only through a content-store commit (verified, fsynced, renamed) and a
 * link written atomically after it, so a crash never exposes a partial blob or manifest. Names are
 * validated by the router before they reach a path; path components starting with `_` cannot be
 * repository names, so the `_layers`/`_manifests` directories never clash with nested repositories.
 */
export class RegistryStorage {
  readonly content: LocalContentStore;
  private readonly reposDir: string;
  readonly uploadsDir: string;

  constructor(readonly root: string) {
    this.content = new LocalContentStore(root);
    this.reposDir = path.join(root, 'repositories');
    this.uploadsDir = path.join(root, 'uploads');
  }

  async init(): Promise<this> {
    await this.content.init();
    await mkdir(this.reposDir, { recursive: true });
    await mkdir(this.uploadsDir, { recursive: true });
    return this;
  }

  private repoDir(name: string): string {
    return path.join(this.reposDir, ...name.split('/'));
  }

  private layerLink(name: string, digest: Digest): string {
    return path.join(this.repoDir(name), '_layers', digestHex(digest));
  }

  private revisionLink(name: string, digest: Digest): string {
    return path.join(this.repoDir(name), '_manifests', 'revisions', digestHex(digest));
  }

  private tagFile(name: string, tag: string): string {
    return path.join(this.repoDir(name), '_manifests', 'tags', tag);
  }

  async repositoryExists(name: string): Promise<boolean> {
    return (
      (await exists(path.join(this.repoDir(name), '_manifests'))) ||
      exists(path.join(this.repoDir(name), '_layers'))
    );
  }

  /** The blob, if it is stored and linked into `name`. */
  async blobInfo(name: string, digest: Digest): Promise<BlobInfo | undefined> {
    if (!(await exists(this.layerLink(name, digest)))) return undefined;
    return this.content.info(digest);
  }

  async linkBlob(name: string, digest: Digest): Promise<void> {
    const link = this.layerLink(name, digest);
    await mkdir(path.dirname(link), { recursive: true });
    await writeFile(link, '');
  }

  async unlinkBlob(name: string, digest: Digest): Promise<boolean> {
    const link = this.layerLink(name, digest);
    if (!(await exists(link))) return false;
    await rm(link, { force: true });
    return true;
  }

  async resolveTag(name: string, tag: string): Promise<Digest | undefined> {
    try {
      const value = (await readFile(this.tagFile(name, tag), 'utf8')).trim();
      return isDigest(value) ? value : undefined;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  /** The manifest's media type when `digest` is a manifest of `name`. */
  async manifestMediaType(name: string, digest: Digest): Promise<string | undefined> {
    try {
      const mediaType = await readFile(this.revisionLink(name, digest), 'utf8');
      return (await this.content.has(digest)) ? mediaType : undefined;
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  /** Stores manifest bytes exactly as received, links them into `name` and points `tag` at them. */
  async putManifest(
    name: string,
    bytes: Uint8Array,
    mediaType: string,
    tag: string | undefined,
  ): Promise<Digest> {
    const { digest } = await this.content.put(bytes);
    await writeFileAtomic(this.revisionLink(name, digest), mediaType);
    if (tag !== undefined) await writeFileAtomic(this.tagFile(name, tag), digest);
    return digest;
  }

  async deleteTag(name: string, tag: string): Promise<boolean> {
    const file = this.tagFile(name, tag);
    if (!(await exists(file))) return false;
    await rm(file, { force: true });
    return true;
  }

  /** Removes a manifest from `name` together with every tag pointing at it. */
  async deleteManifest(name: string, digest: Digest): Promise<boolean> {
    const link = this.revisionLink(name, digest);
    if (!(await exists(link))) return false;
    for (const tag of await this.tags(name)) {
      if ((await this.resolveTag(name, tag)) === digest) await rm(this.tagFile(name, tag), { force: true });
    }
    await rm(link, { force: true });
    return true;
  }

  async tags(name: string): Promise<string[]> {
    try {
      return (await readdir(path.join(this.repoDir(name), '_manifests', 'tags')))
        .filter((t) => !t.includes('.tmp-'))
        .sort();
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
      throw err;
    }
  }

  /** Every repository name, sorted (the `_catalog`). */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string[]): Promise<void> => {
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return;
        throw err;
      }
      if (entries.includes('_manifests') || entries.includes('_layers')) out.push(prefix.join('/'));
      for (const e of entries) {
        if (e.startsWith('_')) continue;
        await walk(path.join(dir, e), [...prefix, e]);
      }
    };
    await walk(this.reposDir, []);
    return out.sort();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}
