import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Digest, isDigest, sha256 } from '../../content/digest.js';
import { isErrno } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

/** Bumped when the meaning of a key changes, so old entries are never reused wrongly. */
const KEY_VERSION = 'skiff-build-cache/1';

/** What identifies a build step's result. */
export interface CacheKeyInput {
  /** The image the step starts from (`scratch:<platform>` for an empty stage). */
  parent: string;
  /** The step as its history entry records it (`/bin/sh -c #(nop) COPY file:… in /app `). */
  createdBy: string;
  /** What else changes the result: the build args a RUN sees, its network mode. */
  extra?: readonly string[];
}

/**
 * The classic builder's cache: step key → the image that step produced. A key is
 * `sha256(parent image, normalised instruction, build args in effect, content hash of the copied
 * files)`; each entry is one small file under the shared root, written atomically, so every build
 * and every engine on the machine shares it. An entry is only a hint: the caller checks that the
 * image and its snapshots still exist before using it.
 */
export class BuildCache {
  constructor(private readonly dir: string) {}

  key(input: CacheKeyInput): string {
    return sha256(JSON.stringify([KEY_VERSION, input.parent, input.createdBy, input.extra ?? []])).slice(7);
  }

  async get(key: string): Promise<Digest | undefined> {
    try {
      const id = (await readFile(this.fileOf(key), 'utf8')).trim();
      return isDigest(id) ? id : undefined;
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async put(key: string, imageId: Digest): Promise<void> {
    await writeFileAtomic(this.fileOf(key), `${imageId}\n`);
  }

  private fileOf(key: string): string {
    return path.join(this.dir, key.slice(0, 2), key);
  }
}
