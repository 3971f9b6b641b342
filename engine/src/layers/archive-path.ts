import { UnsafeArchiveError } from '../errors.js';

/** Linux PATH_MAX: no legitimate layer entry is longer. */
export const MAX_ENTRY_PATH_BYTES = 4096;
/** Linux NAME_MAX for one component. */
export const MAX_NAME_BYTES = 255;

/**
 * Normalises an archive entry name to a path relative to the extraction root ('' is the root
 * itself). Absolute names are confined to the root, as Docker does (`/etc/x` → `etc/x`); any `..`
 * component is refused, as are NUL bytes and names longer than the kernel would accept.
 */
export function normalizeEntryPath(name: string, what = 'entry'): string {
  if (Buffer.byteLength(name) > MAX_ENTRY_PATH_BYTES) {
    throw new UnsafeArchiveError(
      `${name.slice(0, 64)}…`,
      `${what} path is longer than ${MAX_ENTRY_PATH_BYTES} bytes`,
    );
  }
  if (name.includes('\0')) throw new UnsafeArchiveError(name, `${what} path contains a NUL byte`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw new UnsafeArchiveError(name, `${what} path has a ".." component that could escape the root`);
    }
    if (Buffer.byteLength(part) > MAX_NAME_BYTES) {
      throw new UnsafeArchiveError(name, `a component is longer than ${MAX_NAME_BYTES} bytes`);
    }
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * Resolves a symlink target lexically inside the root, the way a chroot would: absolute targets
 * start at the root and `..` stops there. `from` is the link's own relative path.
 */
export function confineLinkTarget(from: string, target: string): string {
  const base = target.startsWith('/') ? [] : parentOf(from).split('/').filter(Boolean);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') base.pop();
    else base.push(part);
  }
  return base.join('/');
}

export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

export function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** True when `p` is `prefix` or lies below it. */
export function isAtOrBelow(p: string, prefix: string): boolean {
  return prefix === '' || p === prefix || p.startsWith(`${prefix}/`);
}
