import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../content/digest.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { RecordingMounter } from '../os/recording-mounter.js';
import { OverlayRootfsManager } from './overlay-rootfs.js';
import type { SnapshotInfo, Snapshotter } from './snapshotter.js';

/** Just enough Snapshotter for the rootfs manager: known chain ids map to short names. */
function fakeSnapshotter(root: string, known: Digest[]): Snapshotter {
  const name = (c: Digest) => `s/${known.indexOf(c)}`;
  const info = (chainId: Digest): SnapshotInfo => ({ chainId, size: 0, createdAt: 0 });
  return {
    root,
    ensure: async (chainId) => info(chainId),
    stat: async (chainId) => (known.includes(chainId) ? info(chainId) : undefined),
    dir: (chainId) => path.join(root, name(chainId)),
    lowerName: name,
    list: async () => known.map(info),
    remove: async () => {},
  };
}

const L0 = sha256('layer0');
const L1 = sha256('layer1');
const L2 = sha256('layer2');

let scratch: string;
let mounter: RecordingMounter;
let manager: OverlayRootfsManager;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'skiff-rootfs-unit-'));
  mounter = new RecordingMounter();
  manager = new OverlayRootfsManager({
    scratchDir: scratch,
    snapshotter: fakeSnapshotter('/snapshots', [L0, L1, L2]),
    mounter,
    logger: silentLogger(),
  });
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('OverlayRootfsManager (recording mounter)', () => {
  it('mounts the chain top first with short names from the snapshot root', async () => {
    const rootfs = await manager.prepare('c1', [L0, L1, L2]);
    const dir = path.join(scratch, 'containers', 'c1');
    expect(rootfs).toEqual({
      containerId: 'c1',
      mountpoint: path.join(dir, 'merged'),
      upperdir: path.join(dir, 'upper'),
      mounted: true,
      chain: [L0, L1, L2],
    });
    expect(mounter.calls).toEqual([
      expect.objectContaining({
        op: 'overlay',
        cwd: '/snapshots',
        data: `lowerdir=s/2:s/1:s/0,upperdir=${dir}/upper,workdir=${dir}/work,index=off`,
      }),
    ]);
  });

  it('gives a scratch image an empty lower of its own', async () => {
    await manager.prepare('c2', []);
    const dir = path.join(scratch, 'containers', 'c2');
    await access(path.join(dir, 'empty'));
    expect(mounter.calls[0]).toMatchObject({
      op: 'overlay',
      request: { lowerDirs: [path.join(dir, 'empty')] },
    });
  });

  it('refuses unknown snapshots, bad ids and duplicates, leaving nothing behind', async () => {
    await expect(manager.prepare('c3', [L0, sha256('missing')])).rejects.toBeInstanceOf(NotFoundError);
    await expect(manager.prepare('../escape', [L0])).rejects.toThrow(/invalid container id/);
    await manager.prepare('c3', [L0]);
    await expect(manager.prepare('c3', [L0])).rejects.toBeInstanceOf(ConflictError);
    mounter.failNext('overlay');
    await expect(manager.prepare('c4', [L0])).rejects.toThrow(/injected overlay failure/);
    expect(await readdir(path.join(scratch, 'containers'))).toEqual(['c3']);
  });

  it('remounts from its metadata after an unmount, and reports state through get', async () => {
    await manager.prepare('c5', [L0, L1]);
    await manager.unmount('c5');
    expect(await manager.get('c5')).toMatchObject({ mounted: false, chain: [L0, L1] });
    await manager.mount('c5');
    expect(mounter.calls.filter((c) => c.op === 'overlay')).toHaveLength(2);
    await manager.mount('c5');
    expect(mounter.calls.filter((c) => c.op === 'overlay')).toHaveLength(2);
    expect(await manager.get('nope')).toBeUndefined();
    await expect(manager.mount('nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('release unmounts nested mounts first and keeps files it does not own', async () => {
    const rootfs = await manager.prepare('c6', [L0]);
    await mounter.bind('/host/data', path.join(rootfs.mountpoint, 'data'));
    const dir = path.join(scratch, 'containers', 'c6');
    await writeFile(path.join(dir, 'config.json'), '{}');
    await manager.release('c6');
    expect(await mounter.list()).toEqual([]);
    expect(await readdir(dir)).toEqual(['config.json']);
    await manager.release('c6');
  });

  it('never deletes while something stays mounted', async () => {
    const rootfs = await manager.prepare('c7', [L0]);
    mounter.failNext('unmount');
    mounter.failNext('unmount');
    await expect(manager.release('c7')).rejects.toThrow(/injected unmount failure/);
    expect(await readFile(path.join(scratch, 'containers', 'c7', 'rootfs.json'), 'utf8')).toContain(L0);
    expect((await mounter.list()).map((e) => e.mountPoint)).toEqual([rootfs.mountpoint]);
  });

  it('reconcile removes leftovers not kept, including stray mounts and dirs', async () => {
    await manager.prepare('keep', [L0]);
    await manager.prepare('gone', [L0]);
    await mkdir(path.join(scratch, 'containers', 'halfmade'));
    mounter.addExisting(path.join(scratch, 'containers', 'ghost', 'merged'));
    expect(await manager.reconcile(new Set(['keep']))).toEqual(['ghost', 'gone', 'halfmade']);
    expect(await readdir(path.join(scratch, 'containers'))).toEqual(['keep']);
    expect((await mounter.list()).map((e) => e.mountPoint)).toEqual([
      path.join(scratch, 'containers', 'keep', 'merged'),
    ]);
  });
});
