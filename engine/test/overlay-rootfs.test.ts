import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../src/content/digest.js';
import { silentLogger } from '../src/logger.js';
import { SystemMounter } from '../src/os/system-mounter.js';
import { LocalSnapshotter } from '../src/snapshots/local-snapshotter.js';
import { OverlayRootfsManager } from '../src/snapshots/overlay-rootfs.js';
import type { SnapshotInfo, Snapshotter } from '../src/snapshots/snapshotter.js';

/** Lower dirs made by hand under `root/<n>`, standing in for the local snapshotter. */
function dirSnapshotter(root: string, chain: Digest[]): Snapshotter {
  const info = (chainId: Digest): SnapshotInfo => ({ chainId, size: 0, createdAt: 0 });
  const name = (c: Digest) => String(chain.indexOf(c));
  return {
    root,
    ensure: async (chainId, fill) => {
      await fill(path.join(root, name(chainId)));
      return info(chainId);
    },
    stat: async (c) => (chain.includes(c) ? info(c) : undefined),
    dir: (c) => path.join(root, name(c)),
    lowerName: name,
    list: async () => chain.map(info),
    remove: async () => {},
  };
}

const mounter = new SystemMounter();
let base: string;
let scratch: string;
let snapshots: string;
const chain = [sha256('base'), sha256('middle'), sha256('top')];

beforeEach(async () => {
  base = await mkdtemp('/dev/shm/skiff-rootfs-e2e-');
  scratch = path.join(base, 'scratch');
  snapshots = path.join(base, 'snapshots');
  for (let i = 0; i < chain.length; i++)
    await mkdir(path.join(snapshots, String(i), 'etc'), { recursive: true });
  await writeFile(path.join(snapshots, '0', 'etc', 'os'), 'base');
  await writeFile(path.join(snapshots, '0', 'etc', 'removed-later'), 'x');
  await writeFile(path.join(snapshots, '1', 'etc', 'os'), 'middle');
  execFileSync('mknod', [path.join(snapshots, '2', 'etc', 'removed-later'), 'c', '0', '0']);
  await writeFile(path.join(snapshots, '2', 'top'), 'top');
});

afterEach(async () => {
  for (const entry of (await mounter.list(base)).reverse()) {
    await mounter.unmount(entry.mountPoint, { detach: true }).catch(() => {});
  }
  await rm(base, { recursive: true, force: true });
});

function newManager(): OverlayRootfsManager {
  return new OverlayRootfsManager({
    scratchDir: scratch,
    snapshotter: dirSnapshotter(snapshots, chain),
    mounter,
    logger: silentLogger(),
  });
}

describe('OverlayRootfsManager (real overlayfs)', () => {
  it('stacks the layers in order, honours whiteouts and writes only to the upper dir', async () => {
    const manager = newManager();
    const rootfs = await manager.prepare('c1', chain);
    expect(await readFile(path.join(rootfs.mountpoint, 'etc', 'os'), 'utf8')).toBe('middle');
    expect((await readdir(path.join(rootfs.mountpoint, 'etc'))).sort()).toEqual(['os']);
    await writeFile(path.join(rootfs.mountpoint, 'etc', 'os'), 'changed');
    expect(await readFile(path.join(rootfs.upperdir, 'etc', 'os'), 'utf8')).toBe('changed');
    expect(await readFile(path.join(snapshots, '1', 'etc', 'os'), 'utf8')).toBe('middle');
    await manager.release('c1');
    expect(await mounter.list(base)).toEqual([]);
    expect(await readdir(path.join(scratch, 'containers'))).toEqual([]);
  });

  it('mounts a scratch image (no layers) on an empty lower', async () => {
    const manager = newManager();
    const rootfs = await manager.prepare('c2', []);
    expect(await readdir(rootfs.mountpoint)).toEqual([]);
    await writeFile(path.join(rootfs.mountpoint, 'hello'), 'x');
    await manager.release('c2');
    expect(await mounter.list(base)).toEqual([]);
  });

  it('after a crash, a new manager keeps what it is told and removes the rest without touching bound host dirs', async () => {
    const hostDir = path.join(base, 'host-data');
    await mkdir(hostDir);
    await writeFile(path.join(hostDir, 'precious'), 'keep me');
    const first = newManager();
    const kept = await first.prepare('kept', chain);
    const lost = await first.prepare('lost', chain);
    await mkdir(path.join(lost.mountpoint, 'data'));
    await mounter.bind(hostDir, path.join(lost.mountpoint, 'data'));

    const second = newManager();
    expect(await second.reconcile(new Set(['kept']))).toEqual(['lost']);
    expect(await readFile(path.join(hostDir, 'precious'), 'utf8')).toBe('keep me');
    expect((await mounter.list(base)).map((e) => e.mountPoint)).toEqual([kept.mountpoint]);
    await second.unmount('kept');
    expect((await second.mount('kept')).mounted).toBe(true);
    expect(await readFile(path.join(kept.mountpoint, 'top'), 'utf8')).toBe('top');
  });

  it('stacks 120 layers from the real LocalSnapshotter, each one visible, the top one winning', async () => {
    const snapshotter = await new LocalSnapshotter(path.join(base, 'store')).init();
    const layers: ReturnType<typeof sha256>[] = [];
    for (let i = 0; i < 120; i++) {
      const chainId = sha256(`layer-${i}`);
      await snapshotter.ensure(chainId, async (dir) => {
        await writeFile(path.join(dir, `file-${i}`), String(i));
        await writeFile(path.join(dir, 'winner'), String(i));
      });
      layers.push(chainId);
    }
    const manager = new OverlayRootfsManager({
      scratchDir: scratch,
      snapshotter,
      mounter,
      logger: silentLogger(),
    });
    const rootfs = await manager.prepare('many', layers);
    expect((await readdir(rootfs.mountpoint)).filter((n) => n.startsWith('file-'))).toHaveLength(120);
    expect(await readFile(path.join(rootfs.mountpoint, 'winner'), 'utf8')).toBe('119');
    await manager.release('many');
    expect(await mounter.list(base)).toEqual([]);
  });
});
