import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MountOptionsTooLongError } from '../src/os/mount-error.js';
import { SystemMounter } from '../src/os/system-mounter.js';

const mounter = new SystemMounter();
let dir: string;

async function unmountAll(prefix: string): Promise<void> {
  const entries = await mounter.list(prefix);
  for (const entry of entries.reverse())
    await mounter.unmount(entry.mountPoint, { detach: true }).catch(() => {});
}

beforeEach(async () => {
  dir = await mkdtemp('/dev/shm/skiff-mounter-test-');
});

afterEach(async () => {
  await unmountAll(dir);
  await rm(dir, { recursive: true, force: true });
});

describe('SystemMounter (real kernel)', () => {
  it('mounts 200 lowers with short names relative to cwd, every layer visible', async () => {
    const lowers = path.join(dir, 'snapshots');
    const names: string[] = [];
    for (let i = 0; i < 200; i++) {
      const name = String(i);
      await mkdir(path.join(lowers, name), { recursive: true });
      await writeFile(path.join(lowers, name, `f${i}`), name);
      names.push(name);
    }
    for (const d of ['upper', 'work', 'merged']) await mkdir(path.join(dir, d));
    await mounter.mountOverlay({
      target: path.join(dir, 'merged'),
      lowerDirs: names.reverse(),
      upperDir: path.join(dir, 'upper'),
      workDir: path.join(dir, 'work'),
      cwd: lowers,
      options: ['index=off'],
    });
    expect(await readdir(path.join(dir, 'merged'))).toHaveLength(200);
    const [entry] = await mounter.list(path.join(dir, 'merged'));
    expect(entry?.fsType).toBe('overlay');
  });

  it('refuses the same 200 lowers as absolute paths instead of letting the kernel drop layers', async () => {
    const lowerDirs = Array.from({ length: 200 }, (_, i) => path.join(dir, 'snapshots', String(i)));
    await mkdir(path.join(dir, 'merged'));
    await expect(
      mounter.mountOverlay({ target: path.join(dir, 'merged'), lowerDirs, upperDir: '/u', workDir: '/w' }),
    ).rejects.toBeInstanceOf(MountOptionsTooLongError);
    expect(await mounter.list(dir)).toEqual([]);
  });

  it('binds read-only, mounts tmpfs with a size, and detaches a busy tree', async () => {
    const src = path.join(dir, 'src');
    const target = path.join(dir, 'target');
    await mkdir(src);
    await mkdir(target);
    await mounter.bind(src, target, { readOnly: true });
    await expect(writeFile(path.join(target, 'x'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    await mounter.unmount(target);

    await mounter.mountTmpfs(target, { size: 1024 * 1024, mode: 0o700 });
    await mkdir(path.join(target, 'inner'));
    await mounter.mountTmpfs(path.join(target, 'inner'));
    const listed = await mounter.list(target);
    expect(listed.map((e) => e.mountPoint)).toEqual([target, path.join(target, 'inner')]);
    expect(listed[0]?.superOptions).toContain('size=1024k');
    await expect(mounter.unmount(target)).rejects.toThrow(/busy/);
    await mounter.unmount(target, { detach: true });
    expect(await mounter.list(dir)).toEqual([]);
  });

  it('reports the kernel complaint and the target when a mount fails', async () => {
    await mkdir(path.join(dir, 'merged'));
    await expect(
      mounter.mountOverlay({
        target: path.join(dir, 'merged'),
        lowerDirs: ['does-not-exist'],
        upperDir: path.join(dir, 'nope-u'),
        workDir: path.join(dir, 'nope-w'),
        cwd: dir,
      }),
    ).rejects.toThrow(new RegExp(`cannot mount overlay at ${dir}/merged`));
    await expect(mounter.unmount(path.join(dir, 'merged'))).rejects.toThrow(/not mounted/);
  });
});
