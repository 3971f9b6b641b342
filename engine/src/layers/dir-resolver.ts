import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, UnsafeArchiveError } from '../errors.js';
import { confineLinkTarget, isAtOrBelow, joinRel } from './archive-path.js';
import { asyncLayerFs, type LayerFs } from './layer-fs.js';

const MAX_SYMLINK_HOPS = 40;

/**
 * Turns relative directory paths of an archive into real (symlink-free) directories under `root`
 * without ever letting the kernel follow a symlink: each component is checked with lstat, and
 * directories verified once are remembered until something at or above them is removed.
 */
export class DirResolver {
  private readonly real = new Set<string>(['']);

  constructor(
    private readonly root: string,
    private readonly fs: LayerFs = asyncLayerFs,
  ) {}

  abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  /** Records that `rel` is a real directory (the caller just made it). */
  add(rel: string): void {
    this.real.add(rel);
  }

  /** Forgets `rel` and everything below it (it was removed or replaced). */
  forget(rel: string): void {
    for (const p of this.real) if (isAtOrBelow(p, rel)) this.real.delete(p);
  }

  has(rel: string): boolean {
    return this.real.has(rel);
  }

  /**
   * The real relative path of directory `rel`, creating missing components with mode 0755.
   * Symlinks are resolved lexically inside the root, as a chroot would; a component that is not
   * a directory is an error naming `entry`.
   */
  async resolve(rel: string, entry: string): Promise<string> {
    if (this.real.has(rel)) return rel;
    let parts = rel.split('/');
    let resolved = '';
    let hops = 0;
    for (let i = 0; i < parts.length; i++) {
      const candidate = joinRel(resolved, parts[i] as string);
      if (this.real.has(candidate)) {
        resolved = candidate;
        continue;
      }
      const st = await lstatIn(this.fs, this.abs(candidate));
      if (st === undefined) {
        await this.fs.mkdir(this.abs(candidate), 0o755);
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS)
          throw new UnsafeArchiveError(entry, 'too many levels of symbolic links');
        const target = confineLinkTarget(candidate, await this.fs.readlink(this.abs(candidate)));
        parts = [...target.split('/').filter(Boolean), ...parts.slice(i + 1)];
        resolved = '';
        i = -1;
        continue;
      } else if (!st.isDirectory()) {
        throw new UnsafeArchiveError(entry, `parent ${JSON.stringify(candidate)} is not a directory`);
      }
      this.real.add(candidate);
      resolved = candidate;
    }
    return resolved;
  }

  /** Like resolve, but a symlink or a missing component is an error (for hardlink targets). */
  async checkReal(rel: string, entry: string): Promise<void> {
    let sofar = '';
    for (const part of rel === '' ? [] : rel.split('/')) {
      sofar = joinRel(sofar, part);
      if (this.real.has(sofar)) continue;
      const st = await lstatIn(this.fs, this.abs(sofar));
      if (st === undefined || !st.isDirectory()) {
        throw new UnsafeArchiveError(
          entry,
          `hardlink target goes through ${JSON.stringify(sofar)}, which is ${st === undefined ? 'missing' : 'not a directory'}`,
        );
      }
      this.real.add(sofar);
    }
  }
}

export async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** lstat through `fs`; undefined when nothing is there. */
export async function lstatIn(fs: LayerFs, p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}
