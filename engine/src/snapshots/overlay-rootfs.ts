import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Digest, isDigest } from '../content/digest.js';
import { ConflictError, errorMessage, InvalidArgumentError, isErrno, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Mounter } from '../os/mounter.js';
import type { MountEntry } from '../os/mountinfo.js';
import type { ContainerRootfs, RootfsManager, Snapshotter } from './snapshotter.js';

export interface OverlayRootfsManagerOptions {
  /** This engine's tmpfs scratch space; rootfs dirs live in `<scratchDir>/containers/<id>/`. */
  scratchDir: string;
  snapshotter: Snapshotter;
  mounter: Mounter;
  logger: Logger;
  /** Overlay options added to every mount; default `index=off` as Docker does (shared lowers). */
  overlayOptions?: readonly string[];
}

interface RootfsMeta {
  chain: Digest[];
}

const META_FILE = 'rootfs.json';
/** Entries of a container dir this manager owns; others (bundles, hosts files) belong to their writers. */
const OWNED = ['merged', 'upper', 'work', 'empty', META_FILE] as const;
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Container root filesystems as overlays of image snapshots (bottom of `chain` = lowest layer)
 * under a fresh upper dir on tmpfs scratch space:
 * `<scratchDir>/containers/<id>/{upper,work,merged}` plus `rootfs.json` recording the chain, so
 * `mount` works again after an engine restart. Lowers are passed as the snapshotter's short
 * `lowerName`s with the mount run from the snapshot root, keeping the option string small.
 * Nothing is ever deleted while anything is still mounted below the container dir: a bind mount
 * of a host directory left in `merged` must not turn a cleanup into a host wipe.
 */
export class OverlayRootfsManager implements RootfsManager {
  private readonly containersDir: string;
  private readonly snapshotter: Snapshotter;
  private readonly mounter: Mounter;
  private readonly logger: Logger;
  private readonly overlayOptions: readonly string[];

  constructor(options: OverlayRootfsManagerOptions) {
    this.containersDir = path.join(options.scratchDir, 'containers');
    this.snapshotter = options.snapshotter;
    this.mounter = options.mounter;
    this.logger = options.logger;
    this.overlayOptions = options.overlayOptions ?? ['index=off'];
  }

  /**
   * The hot path of every container create: the layer checks run together, the directories and
   * `rootfs.json` are made together, and the fresh overlay is mounted without first asking
   * mountinfo whether it is (a directory made a moment ago cannot be a mount point yet).
   */
  async prepare(containerId: string, chain: Digest[]): Promise<ContainerRootfs> {
    const dir = this.dirOf(containerId);
    const found = await Promise.all(chain.map((chainId) => this.snapshotter.stat(chainId)));
    const missing = chain.find((_, i) => !found[i]);
    if (missing) {
      throw new NotFoundError(
        'snapshot',
        missing,
        `No such snapshot: ${missing} (layer of container ${containerId})`,
      );
    }
    await this.makeContainerDir(containerId, dir);
    try {
      const meta: RootfsMeta = { chain };
      const subdirs = chain.length === 0 ? ['upper', 'work', 'merged', 'empty'] : ['upper', 'work', 'merged'];
      // Written plainly, not atomically: a crash before the container record exists leaves a dir
      // that `reconcile` removes whatever its content, and a torn file reads as "no rootfs".
      await Promise.all([
        ...subdirs.map((sub) => mkdir(path.join(dir, sub), { mode: 0o755 })),
        writeFile(path.join(dir, META_FILE), `${JSON.stringify(meta)}\n`, { flag: 'wx' }),
      ]);
      await this.mountOverlay(containerId, dir, meta);
      return this.describe(containerId, meta, true);
    } catch (err: unknown) {
      await this.removeDir(containerId, dir).catch((cleanupErr: unknown) =>
        this.logger.warn(
          { containerId, err: errorMessage(cleanupErr) },
          'cleanup after failed prepare failed',
        ),
      );
      throw err;
    }
  }

  async mount(containerId: string): Promise<ContainerRootfs> {
    const dir = this.dirOf(containerId);
    const meta = await this.readMeta(containerId);
    if (!meta)
      throw new NotFoundError('container', containerId, `No root filesystem for container: ${containerId}`);
    if (!(await this.isMounted(path.join(dir, 'merged')))) await this.mountOverlay(containerId, dir, meta);
    return this.describe(containerId, meta, true);
  }

  async unmount(containerId: string): Promise<void> {
    await this.unmountAllUnder(containerId, this.dirOf(containerId));
  }

  async release(containerId: string): Promise<void> {
    await this.removeDir(containerId, this.dirOf(containerId));
  }

  async get(containerId: string): Promise<ContainerRootfs | undefined> {
    const meta = await this.readMeta(containerId);
    if (!meta) return undefined;
    return this.describe(
      containerId,
      meta,
      await this.isMounted(path.join(this.dirOf(containerId), 'merged')),
    );
  }

  /**
   * Crash recovery: every container dir or mount under `<scratchDir>/containers` whose id is not in
   * `keep` is unmounted and its directory removed (whole, including files others wrote there).
   */
  async reconcile(keep: ReadonlySet<string>): Promise<string[]> {
    const ids = new Set<string>();
    try {
      for (const name of await readdir(this.containersDir)) ids.add(name);
    } catch (err: unknown) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    for (const entry of await this.mounter.list(this.containersDir)) {
      const id = path.relative(this.containersDir, entry.mountPoint).split(path.sep)[0];
      if (id) ids.add(id);
    }
    const removed: string[] = [];
    for (const id of [...ids].sort()) {
      if (keep.has(id)) continue;
      const dir = path.join(this.containersDir, id);
      await this.unmountAllUnder(id, dir);
      await this.assertNothingMounted(id, dir);
      await rm(dir, { recursive: true, force: true });
      this.logger.info({ containerId: id }, 'removed leftover rootfs');
      removed.push(id);
    }
    return removed;
  }

  /** `<containersDir>/<id>`, exclusively: an existing one is a conflict, never reused. */
  private async makeContainerDir(containerId: string, dir: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dir, { mode: 0o711 });
        return;
      } catch (err: unknown) {
        if (isErrno(err, 'EEXIST'))
          throw new ConflictError(`a root filesystem for container ${containerId} already exists`);
        if (!isErrno(err, 'ENOENT') || attempt > 0) throw err;
        await mkdir(this.containersDir, { recursive: true });
      }
    }
  }

  private async mountOverlay(containerId: string, dir: string, meta: RootfsMeta): Promise<void> {
    const lowerDirs =
      meta.chain.length === 0
        ? [path.join(dir, 'empty')]
        : meta.chain.map((chainId) => this.snapshotter.lowerName(chainId)).reverse();
    await this.mounter.mountOverlay({
      target: path.join(dir, 'merged'),
      lowerDirs,
      upperDir: path.join(dir, 'upper'),
      workDir: path.join(dir, 'work'),
      cwd: this.snapshotter.root,
      options: this.overlayOptions,
    });
    this.logger.debug({ containerId, layers: meta.chain.length }, 'rootfs mounted');
  }

  private dirOf(containerId: string): string {
    if (!CONTAINER_ID.test(containerId)) {
      throw new InvalidArgumentError(
        `invalid container id ${JSON.stringify(containerId)} for a root filesystem`,
      );
    }
    return path.join(this.containersDir, containerId);
  }

  private describe(containerId: string, meta: RootfsMeta, mounted: boolean): ContainerRootfs {
    const dir = this.dirOf(containerId);
    return {
      containerId,
      mountpoint: path.join(dir, 'merged'),
      upperdir: path.join(dir, 'upper'),
      mounted,
      chain: meta.chain,
    };
  }

  private async readMeta(containerId: string): Promise<RootfsMeta | undefined> {
    try {
      const parsed: unknown = JSON.parse(
        await readFile(path.join(this.dirOf(containerId), META_FILE), 'utf8'),
      );
      const chain = (parsed as Partial<RootfsMeta>).chain;
      if (!Array.isArray(chain) || !chain.every((c) => typeof c === 'string' && isDigest(c)))
        return undefined;
      return { chain };
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  private async isMounted(target: string): Promise<boolean> {
    return (await this.mounter.list(target)).some((e) => e.mountPoint === target);
  }

  /** Deepest first; a busy mount is detached rather than left behind. Returns how many there were. */
  private async unmountAllUnder(containerId: string, dir: string): Promise<number> {
    const mounts: MountEntry[] = (await this.mounter.list(dir)).reverse();
    for (const entry of mounts) {
      try {
        await this.mounter.unmount(entry.mountPoint);
      } catch (err: unknown) {
        this.logger.warn(
          { containerId, mountPoint: entry.mountPoint, err: errorMessage(err) },
          'unmount failed; detaching',
        );
        await this.mounter.unmount(entry.mountPoint, { detach: true });
      }
    }
    return mounts.length;
  }

  private async assertNothingMounted(containerId: string, dir: string): Promise<void> {
    const left = await this.mounter.list(dir);
    if (left.length > 0) {
      throw new ConflictError(
        `cannot remove the root filesystem of container ${containerId}: still mounted at ` +
          `${left.map((e) => e.mountPoint).join(', ')}`,
      );
    }
  }

  private async removeDir(containerId: string, dir: string): Promise<void> {
    if ((await this.unmountAllUnder(containerId, dir)) > 0) await this.assertNothingMounted(containerId, dir);
    await Promise.all(OWNED.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
    try {
      await rmdir(dir);
    } catch (err: unknown) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTEMPTY')) throw err;
    }
  }
}
