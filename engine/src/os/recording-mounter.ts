import { MountError } from './mount-error.js';
import type {
  BindMountOptions,
  Mounter,
  OverlayMountRequest,
  TmpfsMountOptions,
  UnmountOptions,
} from './mounter.js';
import { isAtOrUnder, type MountEntry } from './mountinfo.js';
import { overlayOptionString, tmpfsOptionString } from './overlay-options.js';

export type MountCall =
  | { op: 'overlay'; target: string; data: string; cwd: string | undefined; request: OverlayMountRequest }
  | { op: 'bind'; source: string; target: string; options: BindMountOptions }
  | { op: 'tmpfs'; target: string; data: string }
  | { op: 'unmount'; target: string; detach: boolean };

/**
 * A fake Mounter for unit tests: records every call, keeps a mount table that `list` answers from,
 * validates options exactly like `SystemMounter` (same option builders), and can be told to fail.
 * It touches no filesystem.
 */
export class RecordingMounter implements Mounter {
  readonly calls: MountCall[] = [];
  private readonly table: MountEntry[] = [];
  private nextId = 100;
  private readonly failures: { op: MountCall['op']; error: Error }[] = [];

  /** The next call of `op` rejects with `error`; queued, so calling it twice fails two calls. */
  failNext(op: MountCall['op'], error: Error = new MountError('(fake)', `injected ${op} failure`)): void {
    this.failures.push({ op, error });
  }

  /** Pretends something else mounted `entry` (e.g. a leftover from a crashed engine). */
  addExisting(mountPoint: string, fsType = 'overlay'): void {
    this.push(mountPoint, fsType, fsType, []);
  }

  async mountOverlay(request: OverlayMountRequest): Promise<void> {
    const data = overlayOptionString(request);
    this.calls.push({ op: 'overlay', target: request.target, data, cwd: request.cwd, request });
    this.maybeFail('overlay');
    this.push(request.target, 'overlay', 'overlay', data.split(','));
  }

  async bind(source: string, target: string, options: BindMountOptions = {}): Promise<void> {
    this.calls.push({ op: 'bind', source, target, options });
    this.maybeFail('bind');
    this.push(target, 'none', source, options.readOnly ? ['ro'] : ['rw']);
  }

  async mountTmpfs(target: string, options: TmpfsMountOptions = {}): Promise<void> {
    const data = tmpfsOptionString(options);
    this.calls.push({ op: 'tmpfs', target, data });
    this.maybeFail('tmpfs');
    this.push(target, 'tmpfs', 'tmpfs', data ? data.split(',') : []);
  }

  async unmount(target: string, options: UnmountOptions = {}): Promise<void> {
    this.calls.push({ op: 'unmount', target, detach: options.detach === true });
    this.maybeFail('unmount');
    const index = this.table.findLastIndex((e) => e.mountPoint === target);
    if (index < 0) throw new MountError(target, `cannot unmount ${target}: not mounted`);
    if (!options.detach && this.table.some((e) => e.parentId === this.table[index]?.id)) {
      throw new MountError(target, `cannot unmount ${target}: target is busy`);
    }
    const removed = this.table.splice(index, 1)[0];
    if (options.detach && removed) this.detachChildren(removed.id);
  }

  async list(prefix?: string): Promise<MountEntry[]> {
    const entries =
      prefix === undefined ? this.table : this.table.filter((e) => isAtOrUnder(e.mountPoint, prefix));
    return entries.map((e) => ({ ...e }));
  }

  private detachChildren(parentId: number): void {
    for (let i = this.table.length - 1; i >= 0; i--) {
      const child = this.table[i];
      if (child?.parentId === parentId) {
        this.table.splice(i, 1);
        this.detachChildren(child.id);
      }
    }
  }

  private maybeFail(op: MountCall['op']): void {
    const index = this.failures.findIndex((f) => f.op === op);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      if (failure) throw failure.error;
    }
  }

  private push(mountPoint: string, fsType: string, source: string, superOptions: string[]): void {
    const parent = this.table.findLast(
      (e) => e.mountPoint !== mountPoint && isAtOrUnder(mountPoint, e.mountPoint),
    );
    this.table.push({
      id: this.nextId++,
      parentId: parent?.id ?? 1,
      device: '0:0',
      root: '/',
      mountPoint,
      mountOptions: superOptions.includes('ro') ? ['ro'] : ['rw'],
      propagation: [],
      fsType,
      source,
      superOptions,
    });
  }
}
