import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, InvalidArgumentError } from '../errors.js';
import type { MountBackend, MountCall } from './mount-backend.js';
import { MountError } from './mount-error.js';
import type {
  BindMountOptions,
  Mounter,
  OverlayMountRequest,
  TmpfsMountOptions,
  UnmountOptions,
} from './mounter.js';
import { isAtOrUnder, type MountEntry, optionValue, parseMountinfo } from './mountinfo.js';
import { NativeMountBackend } from './native-mount-backend.js';
import { loadOsAddon } from './os-addon.js';
import { overlayOptionString, splitLowerdir, tmpfsOptionString } from './overlay-options.js';
import { SpawnMountBackend } from './spawn-mount-backend.js';

export interface SystemMounterOptions {
  /**
   * `native`: mount(2) through Skiff's addon (an error when it is not built); `spawn`: util-linux's
   * binaries; `auto` (default): native when the addon loads, else spawn. Or a backend of one's own.
   */
  backend?: 'auto' | 'native' | 'spawn' | MountBackend;
  mountBinary?: string;
  umountBinary?: string;
  mountinfoPath?: string;
  /** Where `SKIFF_OS_ADDON` is read (see `loadOsAddon`). */
  env?: NodeJS.ProcessEnv;
}

function chooseBackend(options: SystemMounterOptions): { backend: MountBackend; fallbackReason?: string } {
  const wanted = options.backend ?? 'auto';
  if (typeof wanted === 'object') return { backend: wanted };
  const spawn = () => new SpawnMountBackend(options.mountBinary, options.umountBinary);
  if (wanted === 'spawn') return { backend: spawn() };
  const loaded = loadOsAddon(options.env);
  if ('addon' in loaded) return { backend: new NativeMountBackend(loaded.addon) };
  if (wanted === 'native') {
    throw new InvalidArgumentError(`the native mount backend is not available: ${loaded.missing}`);
  }
  return { backend: spawn(), fallbackReason: loaded.missing };
}

/**
 * Mounts on the host kernel: with mount(2) through Skiff's native addon when it is built (~0.1 ms,
 * on the thread pool), else through util-linux's `mount`/`umount` (a spawn costs ~2.5 ms here and
 * blocks the event loop while the big engine process forks). The spawned binaries' mounts are
 * checked in mountinfo afterwards; overlay options that the kernel would truncate (and so mount
 * with fewer layers) are refused up front on both paths.
 */
export class SystemMounter implements Mounter {
  /** Which backend is in use, and why the native one is not (for logs and `skiff doctor`). */
  readonly backend: MountBackend['kind'];
  readonly fallbackReason: string | undefined;
  private readonly calls: MountBackend;
  private readonly mountinfoPath: string;

  constructor(options: SystemMounterOptions = {}) {
    const { backend, fallbackReason } = chooseBackend(options);
    this.calls = backend;
    this.backend = backend.kind;
    this.fallbackReason = fallbackReason;
    this.mountinfoPath = options.mountinfoPath ?? '/proc/self/mountinfo';
  }

  async mountOverlay(request: OverlayMountRequest): Promise<void> {
    const data = overlayOptionString(request);
    const target = await this.resolveTarget(request.target);
    await this.run('overlay', {
      kind: 'overlay',
      target,
      data,
      ...(request.cwd ? { cwd: request.cwd } : {}),
    });
    if (this.calls.exact) return;
    const entry = await this.expectMounted(target, 'overlay');
    const shown = optionValue(entry.superOptions, 'lowerdir');
    if (shown !== undefined && splitLowerdir(shown).length !== request.lowerDirs.length) {
      await this.unmount(target, { detach: true }).catch(() => undefined);
      throw new MountError(
        target,
        `overlay at ${target} came up with ${splitLowerdir(shown).length} lower layers instead of ` +
          `${request.lowerDirs.length}; it was unmounted again`,
      );
    }
  }

  async bind(source: string, target: string, options: BindMountOptions = {}): Promise<void> {
    const resolved = await this.resolveTarget(target);
    const readOnly = options.readOnly ?? false;
    await this.run('bind', {
      kind: 'bind',
      source,
      target: resolved,
      recursive: options.recursive ?? false,
      readOnly,
    });
    if (this.calls.exact) return;
    const entry = await this.expectMounted(resolved);
    if (readOnly && !entry.mountOptions.includes('ro')) {
      await this.unmount(resolved, { detach: true }).catch(() => undefined);
      throw new MountError(
        resolved,
        `bind mount at ${resolved} did not become read-only; it was unmounted again`,
      );
    }
  }

  async mountTmpfs(target: string, options: TmpfsMountOptions = {}): Promise<void> {
    const resolved = await this.resolveTarget(target);
    await this.run('tmpfs', { kind: 'tmpfs', target: resolved, data: tmpfsOptionString(options) });
    if (!this.calls.exact) await this.expectMounted(resolved, 'tmpfs');
  }

  async unmount(target: string, options: UnmountOptions = {}): Promise<void> {
    const why = await this.calls.unmount(target, options.detach ?? false);
    if (why !== undefined) throw new MountError(target, `cannot unmount ${target}: ${why}`);
  }

  async list(prefix?: string): Promise<MountEntry[]> {
    const entries = parseMountinfo(await readFile(this.mountinfoPath, 'utf8'));
    return prefix === undefined ? entries : entries.filter((e) => isAtOrUnder(e.mountPoint, prefix));
  }

  /**
   * mountinfo shows canonical paths, so the spawn backend's check compares against the target's
   * real path; mount(2) resolves the path itself, the same way.
   */
  private async resolveTarget(target: string): Promise<string> {
    if (!path.isAbsolute(target)) {
      throw new InvalidArgumentError(`mount target must be an absolute path, got ${JSON.stringify(target)}`);
    }
    if (this.calls.exact) return target;
    try {
      return await realpath(target);
    } catch (err: unknown) {
      throw new MountError(target, `mount target ${target} is not usable: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  private async run(what: string, call: MountCall): Promise<void> {
    const why = await this.calls.mount(call);
    if (why !== undefined)
      throw new MountError(call.target, `cannot mount ${what} at ${call.target}: ${why}`);
  }

  private async expectMounted(target: string, fsType?: string): Promise<MountEntry> {
    const entries = await this.list(target);
    const entry = entries.findLast((e) => e.mountPoint === target);
    if (!entry || (fsType !== undefined && entry.fsType !== fsType)) {
      throw new MountError(target, `mount at ${target} reported success but is not in mountinfo`);
    }
    return entry;
  }
}
