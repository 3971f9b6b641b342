import { errorMessage } from '../errors.js';
import type { MountBackend, MountCall } from './mount-backend.js';
import { isOsCallError, type OsAddon } from './os-addon.js';

/**
 * mount(8) turns the generic options into mount(2) flags and passes the rest as data; so does this.
 * Only the flags `OsAddon.constants` carries are known: others stay in the data, where the
 * filesystem rejects what it does not understand.
 */
function splitFlags(data: string, constants: OsAddon['constants']): { flags: number; data: string | null } {
  const byName: Record<string, number> = {
    ro: constants.MS_RDONLY,
    nosuid: constants.MS_NOSUID,
    nodev: constants.MS_NODEV,
    noexec: constants.MS_NOEXEC,
    rw: 0,
    suid: 0,
    dev: 0,
    exec: 0,
  };
  let flags = 0;
  const rest: string[] = [];
  for (const option of data.split(',')) {
    if (option === '') continue;
    const flag = byName[option];
    if (flag === undefined) rest.push(option);
    else flags |= flag;
  }
  return { flags, data: rest.length > 0 ? rest.join(',') : null };
}

/** What the kernel's errno means for an unmount, in umount(8)'s words where callers know them. */
function unmountComplaint(err: unknown): string {
  if (isOsCallError(err) && err.code === 'EINVAL') return `not mounted (${err.code})`;
  return complaint(err);
}

function complaint(err: unknown): string {
  return isOsCallError(err) ? `${err.message} (${err.code})` : errorMessage(err);
}

/**
 * mount(2) and umount2(2) through Skiff's native addon, on libuv's thread pool: no process per
 * mount, nothing blocking the event loop. Overlay mounts with a `cwd` resolve their relative
 * lower directories on a thread with its own working directory.
 */
export class NativeMountBackend implements MountBackend {
  readonly kind = 'native';
  readonly exact = true;

  constructor(private readonly addon: OsAddon) {}

  async mount(call: MountCall): Promise<string | undefined> {
    try {
      if (call.kind === 'overlay') {
        await this.addon.mount('overlay', call.target, 'overlay', 0, call.data, call.cwd ?? null);
      } else if (call.kind === 'bind') {
        await this.addon.bind(call.source, call.target, call.recursive, call.readOnly);
      } else {
        const { flags, data } = splitFlags(call.data, this.addon.constants);
        await this.addon.mount('tmpfs', call.target, 'tmpfs', flags, data, null);
      }
      return undefined;
    } catch (err: unknown) {
      return complaint(err);
    }
  }

  async unmount(target: string, detach: boolean): Promise<string | undefined> {
    try {
      await this.addon.umount2(target, detach ? this.addon.constants.MNT_DETACH : 0);
      return undefined;
    } catch (err: unknown) {
      return unmountComplaint(err);
    }
  }
}
