import { joinSource, parentSource, type SourceEntry, type SourceTree } from './source-tree.js';

const MAX_SYMLINK_HOPS = 40;

export type SourceResolution =
  | { found: true; rel: string; entry: SourceEntry }
  | {
      found: false;
      /** `missing`: nothing there; `outside`: a symlink on the way leads out of the tree; `loop`: too many links. */
      reason: 'missing' | 'outside' | 'not-a-directory' | 'loop';
      /** The path (in the tree) where resolution stopped. */
      at: string;
      /** For `outside`: the link target that leaves the tree. */
      target?: string;
    };

/**
 * Where a symlink at `from` points, inside the tree, or undefined when it leaves a `context`
 * tree (absolute target, or `..` above the root). In a `root` tree it is confined like a chroot.
 */
export function linkTargetInTree(tree: SourceTree, from: string, target: string): string | undefined {
  const absolute = target.startsWith('/');
  if (absolute && tree.linkScope === 'context') return undefined;
  const parts = absolute ? [] : parentSource(from).split('/').filter(Boolean);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) {
        if (tree.linkScope === 'context') return undefined;
        continue;
      }
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/**
 * Resolves a source path the way COPY names it: symlinks in the middle of the path are followed
 * inside the tree; a symlink at the end is followed too when its target stays inside, and is
 * returned as the link itself when it points outside a build context (it is then copied as a
 * link, never followed out). A path through a link that leaves the context is `outside`.
 */
export async function resolveSourcePath(tree: SourceTree, rel: string): Promise<SourceResolution> {
  let pending = rel.split('/').filter((p) => p !== '' && p !== '.');
  let resolved = '';
  let hops = 0;
  for (let i = 0; i < pending.length; i++) {
    const part = pending[i] as string;
    if (part === '..') {
      resolved = parentSource(resolved);
      continue;
    }
    const candidate = joinSource(resolved, part);
    const entry = await tree.lstat(candidate);
    if (entry === undefined) return { found: false, reason: 'missing', at: candidate };
    const last = i === pending.length - 1;
    if (entry.kind === 'symlink') {
      const target = linkTargetInTree(tree, candidate, entry.linkname ?? '');
      if (target === undefined) {
        if (last) return { found: true, rel: candidate, entry };
        return { found: false, reason: 'outside', at: candidate, target: entry.linkname ?? '' };
      }
      if (++hops > MAX_SYMLINK_HOPS) return { found: false, reason: 'loop', at: candidate };
      pending = [...target.split('/').filter(Boolean), ...pending.slice(i + 1)];
      resolved = '';
      i = -1;
      continue;
    }
    if (!last && entry.kind !== 'directory')
      return { found: false, reason: 'not-a-directory', at: candidate };
    if (last) return { found: true, rel: candidate, entry };
    resolved = candidate;
  }
  const root = await tree.lstat(resolved);
  if (root === undefined) return { found: false, reason: 'missing', at: resolved };
  return { found: true, rel: resolved, entry: root };
}
