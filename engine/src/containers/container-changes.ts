import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';

/** moby's `archive.ChangeType`: what `docker diff` prints as C, A and D. */
export const ChangeKind = { Modified: 0, Added: 1, Deleted: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface FilesystemChange {
  path: string;
  kind: ChangeKind;
}

/**
 * Paths the engine (not the container's processes) puts in the writable layer: mount points of
 * the /etc files and the kernel filesystems. moby keeps them in a separate "-init" layer, so
 * `docker diff` never shows them; they are left out here for the same answer.
 */
const ENGINE_PATHS = new Set([
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/etc/mtab',
  '/.dockerenv',
  '/dev',
  '/proc',
  '/sys',
]);

function isWhiteout(entry: Dirent, st: { rdev: number }): boolean {
  return entry.isCharacterDevice() && st.rdev === 0;
}

async function existsBelow(lowers: readonly string[], rel: string): Promise<boolean> {
  for (const lower of lowers) {
    if (
      await lstat(path.join(lower, rel)).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

/**
 * Walks the overlay upper dir of a container and classifies every entry against the image's
 * layers: a 0:0 character device is a whiteout (deleted), an entry some lower layer has is
 * modified, anything else added. Directories only copied up because the engine created a mount
 * point in them are left out, so a fresh container shows no changes, as under Docker.
 */
export async function changesOfContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
): Promise<FilesystemChange[]> {
  const rootfs = await ctx.deps.rootfs.get(record.id);
  if (!rootfs) throw new InvalidArgumentError(`container ${record.id} has no root filesystem`);
  // Topmost layer first: where a path exists, the highest layer that has it decides.
  const lowers = [...rootfs.chain].reverse().map((chainId) => ctx.deps.snapshotter.dir(chainId));
  const mountPoints = new Set(record.mounts.map((m) => path.posix.normalize(m.destination)));
  const changes: FilesystemChange[] = [];

  /** Walks `rel`; answers whether anything below it was reported. */
  const walk = async (rel: string): Promise<boolean> => {
    const entries = await readdir(path.join(rootfs.upperdir, rel), { withFileTypes: true }).catch(() => []);
    // Sorted by name, parents before children: the order `docker diff` prints.
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    let reported = false;
    for (const entry of entries) {
      const childRel = path.posix.join(rel, entry.name);
      const full = path.join(rootfs.upperdir, childRel);
      const st = await lstat(full).catch(() => undefined);
      if (!st) continue;
      if (isWhiteout(entry, st)) {
        changes.push({ path: childRel, kind: ChangeKind.Deleted });
        reported = true;
        continue;
      }
      const existed = await existsBelow(lowers, childRel);
      if (ENGINE_PATHS.has(childRel) || (mountPoints.has(childRel) && existed)) continue;
      const at = changes.length;
      const below = entry.isDirectory() ? await walk(childRel) : false;
      // An existing directory copied up only for the engine's mount points is not a change.
      if (entry.isDirectory() && existed && !below) continue;
      changes.splice(at, 0, { path: childRel, kind: existed ? ChangeKind.Modified : ChangeKind.Added });
      reported = true;
    }
    return reported;
  };
  await walk('/');
  return changes;
}

/** Bytes of the regular files and symlinks below `dir` (`du`-like, without following links). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += await directorySize(full);
    else total += (await lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
