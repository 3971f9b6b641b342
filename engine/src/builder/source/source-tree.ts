import type { Readable } from 'node:stream';

export type SourceKind = 'file' | 'directory' | 'symlink' | 'other';

/** One entry of a source tree, as lstat sees it: symlinks are reported, never followed. */
export interface SourceEntry {
  kind: SourceKind;
  /** Permission bits, with setuid, setgid and sticky. */
  mode: number;
  size: number;
  mtime: Date;
  uid: number;
  gid: number;
  /** A symlink's target as stored. */
  linkname?: string;
}

/**
 * A tree COPY and ADD read from: the build context (a directory, or the tar a client uploaded) or
 * the root filesystem of another stage or image. Paths are slash-separated, relative to the root
 * of the tree and clean (no `.`, `..` or empty components; `''` is the root). No method follows a
 * symlink: resolving one is `resolveSourcePath`'s job, under the tree's `linkScope`.
 */
export interface SourceTree {
  /** How messages name the tree: `build context`, `stage "build"`, `image busybox`. */
  readonly label: string;
  /**
   * `context`: a symlink whose target is absolute or climbs out of the tree points outside it and
   * is copied as a link. `root`: targets resolve inside the tree, as in a chroot (a rootfs).
   */
  readonly linkScope: 'context' | 'root';
  /**
   * Set when the tree's content is identified by a stable digest (a layer chain ID): cache keys
   * then use it and the selected paths instead of hashing every file.
   */
  readonly identity?: string;
  lstat(rel: string): Promise<SourceEntry | undefined>;
  /** Names of a directory's children that `lstat` reports, sorted. */
  readdir(rel: string): Promise<string[]>;
  /** The content of a regular file. */
  open(rel: string): Readable;
  /** `sha256:<hex>` of a regular file's content. */
  digest(rel: string, entry: SourceEntry): Promise<string>;
  /** A directory's children and their entries, sorted, when the tree knows them without I/O. */
  childrenSync?(rel: string): [string, SourceEntry][];
  /** The digest when it is already known without any I/O (an uploaded context hashed on arrival). */
  knownDigest?(rel: string): string | undefined;
}

export function joinSource(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

export function parentSource(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

export function baseSource(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}
