import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../errors.js';

/** An error of a native call: `code` is the errno name (`EBUSY`), `errno` its number. */
export interface OsCallError extends Error {
  code: string;
  errno: number;
}

/**
 * Skiff's native addon (`src/os/native/skiff-os.c`, built by `scripts/lib/prepare-workspace.sh`).
 * Every call runs on libuv's thread pool and settles a promise: the engine's event loop never
 * blocks on a fork or a system call. Strings are passed as is (no shell, no option parsing);
 * `null` means an absent argument.
 */
export interface OsAddon {
  /** mount(2). With `cwd`, relative paths in `data` resolve against it (on a thread of its own). */
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
    cwd: string | null,
  ): Promise<void>;
  umount2(target: string, flags: number): Promise<void>;
  /**
   * A bind mount (`MS_REC` when `recursive`); `readOnly` remounts it read-only keeping the flags it
   * has (nosuid, nodev, noexec), and unmounts it again if that fails.
   */
  bind(source: string, target: string, recursive: boolean, readOnly: boolean): Promise<void>;
  /**
   * posix_spawn: `argv[0]` is the program's name; `stdio` three of 0 (/dev/null), 1 (pipe),
   * 2 (inherit); `setsid` starts a new session. Returns the parent's pipe ends (-1 for none) and a
   * pidfd for `watchExit`; throws an `OsCallError` (ENOENT…) when nothing started.
   */
  spawn(
    file: string,
    argv: readonly string[],
    envp: readonly string[],
    stdio: readonly number[],
    setsid: boolean,
    cwd: string | null,
  ): { pid: number; pidfd: number; stdin: number; stdout: number; stderr: number };
  /** Calls back once with the exit status (or -1 and the signal number) and reaps the child. */
  watchExit(pidfd: number, callback: (code: number, signal: number) => void): void;
  /** mknod(2); `mode` includes the file type bits (S_IFCHR, S_IFIFO). Synchronous. */
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** Every xattr of `path` itself (not following a symlink), as [name, value] pairs. Synchronous. */
  lxattrs(path: string): [string, Buffer][];
  /** lsetxattr(2): one xattr on `path` itself. Synchronous. */
  lsetxattr(path: string, name: string, value: Buffer): void;
  readonly constants: {
    readonly MS_RDONLY: number;
    readonly MS_NOSUID: number;
    readonly MS_NODEV: number;
    readonly MS_NOEXEC: number;
    readonly MS_REMOUNT: number;
    readonly MS_BIND: number;
    readonly MS_REC: number;
    readonly MNT_DETACH: number;
  };
}

/** Where the build puts the addon; resolves the same from `src/os` (tests) and `dist/os` (built). */
export const DEFAULT_OS_ADDON_PATH = fileURLToPath(
  new URL('../../src/os/native/build/Release/skiff_os.node', import.meta.url),
);

/** Set to `off` to run without the addon (every caller then falls back to spawning binaries). */
export const OS_ADDON_ENV = 'SKIFF_OS_ADDON';

export type OsAddonLoad = { addon: OsAddon } | { missing: string };

/**
 * Loads the addon, or says why it is not there (not built, disabled, built for another Node):
 * callers fall back to spawning `mount`/`umount` and the like. `SKIFF_OS_ADDON=off` disables it,
 * any other value is a path to load instead of the default.
 */
export function loadOsAddon(env: NodeJS.ProcessEnv = process.env): OsAddonLoad {
  const setting = env[OS_ADDON_ENV];
  if (setting === 'off') return { missing: `${OS_ADDON_ENV}=off` };
  const file = setting || DEFAULT_OS_ADDON_PATH;
  if (!existsSync(file)) {
    return {
      missing: `${file} is not built: run scripts/lib/prepare-workspace.sh (needs node-gyp and a C compiler)`,
    };
  }
  try {
    const loaded = createRequire(import.meta.url)(file) as Partial<OsAddon>;
    if (
      typeof loaded.mount !== 'function' ||
      typeof loaded.umount2 !== 'function' ||
      typeof loaded.bind !== 'function' ||
      typeof loaded.spawn !== 'function' ||
      typeof loaded.watchExit !== 'function' ||
      typeof loaded.mknod !== 'function' ||
      typeof loaded.lxattrs !== 'function' ||
      typeof loaded.lsetxattr !== 'function' ||
      !loaded.constants
    ) {
      return {
        missing: `${file} is not Skiff's OS addon, or an older build of it: run scripts/lib/prepare-workspace.sh`,
      };
    }
    return { addon: loaded as OsAddon };
  } catch (err: unknown) {
    return { missing: `cannot load ${file}: ${errorMessage(err)}` };
  }
}

export function isOsCallError(err: unknown): err is OsCallError {
  return (
    err instanceof Error &&
    typeof (err as Partial<OsCallError>).code === 'string' &&
    typeof (err as Partial<OsCallError>).errno === 'number'
  );
}
