import type { MountEntry } from './mountinfo.js';

export type { MountEntry } from './mountinfo.js';

/** An overlayfs mount: read-only lowers (top first) under an optional writable upper. */
export interface OverlayMountRequest {
  target: string;
  /**
   * Lower directories, TOP FIRST (overlayfs order). Relative names are resolved against `cwd`,
   * which keeps the option string short: the kernel silently truncates mount data past one page.
   */
  lowerDirs: readonly string[];
  /** Omitted together with `workDir` for a read-only overlay (needs at least two lowers). */
  upperDir?: string;
  workDir?: string;
  /** Directory the mount is performed from; relative `lowerDirs` are resolved against it. */
  cwd?: string;
  /** Extra overlay options, e.g. `index=off`. */
  options?: readonly string[];
}

export interface BindMountOptions {
  readOnly?: boolean;
  /** `rbind`: also bind the mounts below `source`. */
  recursive?: boolean;
}

export interface TmpfsMountOptions {
  /** Bytes; omitted means the kernel's default (half of RAM). */
  size?: number;
  /** Octal permission bits of the root directory, e.g. 0o755. */
  mode?: number;
  options?: readonly string[];
}

export interface UnmountOptions {
  /** `MNT_DETACH`: detach now, clean up when the last user goes away (for busy mounts). */
  detach?: boolean;
}

/**
 * The mount operations the engine needs, behind a narrow port (youki's habit): `SystemMounter`
 * does them on the host kernel, `RecordingMounter` records them for unit tests. Every mount call
 * resolves only once the mount is visible in `/proc/self/mountinfo`; it rejects with a
 * `MountError` naming the target and the kernel's complaint otherwise.
 */
export interface Mounter {
  mountOverlay(request: OverlayMountRequest): Promise<void>;
  bind(source: string, target: string, options?: BindMountOptions): Promise<void>;
  mountTmpfs(target: string, options?: TmpfsMountOptions): Promise<void>;
  /** Unmounts `target`; a target that is not a mount point is an error (callers check `list`). */
  unmount(target: string, options?: UnmountOptions): Promise<void>;
  /** Mounts at or below `prefix` (all when omitted), in mountinfo order: parents before children. */
  list(prefix?: string): Promise<MountEntry[]>;
}
