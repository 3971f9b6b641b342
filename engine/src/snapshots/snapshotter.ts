import type { Digest } from '../content/digest.js';

/**
 * Writes a layer into `dir`. It may resolve to `{ size }`, the bytes it wrote (e.g. unpackLayer's
 * `fileBytes`), so the snapshotter need not walk the tree to learn the snapshot's size; any other
 * value is ignored.
 */
export type SnapshotFill = (dir: string) => Promise<unknown>;

/**
 * Read-only layer snapshots keyed by chain ID: each layer is unpacked exactly once on the machine
 * and shared by every image and container that uses it. The snapshotter never sees a tar: the
 * caller's `fill` writes the layer into the directory it is given (containerd's split between
 * snapshotter and differ).
 */
export interface Snapshotter {
  /**
   * Returns the snapshot for `chainId`, creating it with `fill(dir)` when missing. `fill` writes
   * into a private directory that becomes visible under the chain ID only when it resolves;
   * if it throws, nothing is left. Concurrent calls for one chain ID — in this process or another
   * engine — run `fill` once; the others wait for its result.
   */
  ensure(chainId: Digest, fill: SnapshotFill): Promise<SnapshotInfo>;
  stat(chainId: Digest): Promise<SnapshotInfo | undefined>;
  /** The directory holding the layer's files, in overlayfs lowerdir format (whiteouts as 0:0 char devices). */
  dir(chainId: Digest): string;
  /** A short path relative to `root` usable in lowerdir= options (kept short: options over 4 KiB are truncated). */
  lowerName(chainId: Digest): string;
  readonly root: string;
  list(): Promise<SnapshotInfo[]>;
  /** Deletes a snapshot; callers make sure nothing references it. */
  remove(chainId: Digest): Promise<void>;
}

export interface SnapshotInfo {
  chainId: Digest;
  /** Bytes on disk (approximate: sum of file sizes). */
  size: number;
  createdAt: number;
}

/**
 * A container's root filesystem: an overlay of image snapshots (bottom first) with a fresh upper
 * dir on scratch space. Created before start (so files can be copied in), unmounted and deleted on
 * removal. Nothing here outlives `release`, even after a crash: `reconcile` finds and removes leftovers.
 */
export interface RootfsManager {
  prepare(containerId: string, chain: Digest[]): Promise<ContainerRootfs>;
  /** Mounts the overlay if not mounted (e.g. after a restart of the engine). */
  mount(containerId: string): Promise<ContainerRootfs>;
  unmount(containerId: string): Promise<void>;
  release(containerId: string): Promise<void>;
  get(containerId: string): Promise<ContainerRootfs | undefined>;
  /** Removes rootfs directories and mounts whose container id is not in `keep`. */
  reconcile(keep: ReadonlySet<string>): Promise<string[]>;
}

export interface ContainerRootfs {
  containerId: string;
  /** The merged view the runtime uses as `root.path`. */
  mountpoint: string;
  /** The writable layer: what a commit or a build step diffs. */
  upperdir: string;
  mounted: boolean;
  /** Chain IDs of the lower layers, bottom first. */
  chain: Digest[];
}
