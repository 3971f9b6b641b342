import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, isErrno } from '../errors.js';

/** Linux's own limit on symlinks followed in one lookup. */
const MAX_SYMLINKS = 40;

/**
 * How the engine sees a container's filesystem from the host: a root directory plus the mounts
 * layered on it (bind and volume sources by destination). For a running container the root is
 * `/proc/<pid>/root`, where every mount is already visible and `mounts` is empty.
 */
export interface RootView {
  root: string;
  mounts: readonly { destination: string; source: string }[];
}

/** Maps a clean absolute container path to the host path that holds it (longest mount prefix wins). */
export function hostPathOf(view: RootView, containerPath: string): string {
  let best: { destination: string; source: string } | undefined;
  for (const m of view.mounts) {
    const d = m.destination;
    if (
      (containerPath === d || containerPath.startsWith(d === '/' ? '/' : `${d}/`)) &&
      (!best || d.length > best.destination.length)
    ) {
      best = m;
    }
  }
  if (best) return path.join(best.source, path.posix.relative(best.destination, containerPath));
  return path.join(view.root, containerPath);
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

export interface ResolvedPath {
  /** Clean absolute path inside the container, every symlink before it followed. */
  containerPath: string;
  hostPath: string;
}

/**
 * Resolves `p` as the container's kernel would, but entirely in container-path space: every
 * component is looked up with lstat, symlinks are read and re-resolved from the container root
 * (absolute targets) or their directory (relative ones), and `..` stops at `/`. So no symlink in
 * the container can lead the engine to a host path outside the container's view. The final
 * component is followed only with `followFinal`. Missing components are kept as given.
 */
export async function resolveContainerPath(
  view: RootView,
  p: string,
  options: { followFinal: boolean },
): Promise<ResolvedPath> {
  if (!p.startsWith('/')) p = `/${p}`;
  let resolved = '/';
  let remaining = components(p);
  let links = 0;
  while (remaining.length > 0) {
    const c = remaining.shift()!;
    if (c === '..') {
      resolved = path.posix.dirname(resolved);
      continue;
    }
    const next = path.posix.join(resolved, c);
    if (remaining.length === 0 && !options.followFinal) {
      resolved = next;
      break;
    }
    let isLink = false;
    try {
      isLink = (await lstat(hostPathOf(view, next))).isSymbolicLink();
    } catch (err: unknown) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
      resolved = path.posix.join(next, ...remaining);
      remaining = [];
      break;
    }
    if (!isLink) {
      resolved = next;
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new InvalidArgumentError(`too many levels of symbolic links resolving ${p} in the container`);
    }
    const target = await readlink(hostPathOf(view, next));
    if (target.startsWith('/')) resolved = '/';
    remaining = [...components(target), ...remaining];
  }
  return { containerPath: resolved, hostPath: hostPathOf(view, resolved) };
}
