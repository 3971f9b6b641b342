import type { Stats } from 'node:fs';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../../content/digest.js';
import { errorMessage, isErrno } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ContainerRootfs, RootfsManager } from '../../snapshots/snapshotter.js';

export interface StepRootfsDeps {
  rootfs: RootfsManager;
  logger: Logger;
  /**
   * Takes the release of a rootfs off the step's critical path: the build awaits every deferred
   * release before it reports its result, so nothing outlives it either way.
   */
  defer?: (cleanup: Promise<void>) => void;
}

/**
 * Runs `work` on a fresh overlay root filesystem of `chain` (bottom first) and always releases
 * it: unmounted, upper and work dirs deleted, whether `work` succeeded or not. `work` gets the
 * mounted rootfs and an `unmount` to call before it changes the upper dir itself.
 */
export async function withStepRootfs<T>(
  deps: StepRootfsDeps,
  id: string,
  chain: readonly Digest[],
  work: (fs: ContainerRootfs, unmount: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const fs = await deps.rootfs.prepare(id, [...chain]);
  let ok = false;
  try {
    const result = await work(fs, () => deps.rootfs.unmount(id));
    ok = true;
    return result;
  } finally {
    const release = deps.rootfs
      .release(id)
      .catch((err: unknown) =>
        deps.logger.warn({ id, err: errorMessage(err) }, 'cannot release a build rootfs'),
      );
    // After a failure the build ends anyway: release before reporting it.
    if (ok && deps.defer) deps.defer(release);
    else await release;
  }
}

/** Paths the runtime creates as mount points when the image lacks them (moby keeps them in an "init layer"). */
const MOUNT_POINTS = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'proc', 'sys', 'dev'] as const;
const PARENTS = ['etc'] as const;

export type MountPointState = Map<string, Stats | undefined>;

async function lstatMaybe(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

/** What the mount points look like in the image before a RUN (lstat in the merged view, no symlink followed). */
export async function recordMountPoints(mountpoint: string): Promise<MountPointState> {
  const state: MountPointState = new Map();
  const etc = await lstatMaybe(path.join(mountpoint, 'etc'));
  state.set('etc', etc);
  for (const p of MOUNT_POINTS) {
    if (p.startsWith('etc/') && !etc?.isDirectory()) {
      state.set(p, etc === undefined ? undefined : etc);
      continue;
    }
    state.set(p, await lstatMaybe(path.join(mountpoint, p)));
  }
  return state;
}

/**
 * Removes from a RUN's upper dir the mount points the runtime created for /etc/hosts,
 * /etc/hostname, /etc/resolv.conf, /proc, /sys and /dev when the image had none, and an /etc the
 * runtime only copied up to hold them: the step's layer then holds what the command did, not
 * what running it needed (Docker keeps these in a separate init layer for the same reason).
 */
export async function dropMountPoints(upperDir: string, before: MountPointState): Promise<void> {
  const upperEtc = await lstatMaybe(path.join(upperDir, 'etc'));
  for (const p of MOUNT_POINTS) {
    if (before.get(p) !== undefined) continue;
    if (p.startsWith('etc/') && !upperEtc?.isDirectory()) continue;
    const abs = path.join(upperDir, p);
    const st = await lstatMaybe(abs);
    if (st === undefined) continue;
    if (st.isFile() && st.size === 0) await rm(abs, { force: true });
    else if (st.isDirectory() && (await readdir(abs)).length === 0) await rmdir(abs).catch(() => undefined);
  }
  for (const p of PARENTS) {
    const abs = path.join(upperDir, p);
    const st = await lstatMaybe(abs);
    if (!st?.isDirectory() || (await readdir(abs)).length > 0) continue;
    const old = before.get(p);
    const unchanged =
      old === undefined ||
      (old.isDirectory() && old.mode === st.mode && old.uid === st.uid && old.gid === st.gid);
    if (unchanged) await rmdir(abs).catch(() => undefined);
  }
}
