import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MountOptionsTooLongError } from '../src/os/mount-error.js';
import { DEFAULT_OS_ADDON_PATH, OS_ADDON_ENV } from '../src/os/os-addon.js';
import { SystemMounter } from '../src/os/system-mounter.js';

// Both backends against the real kernel: mount(2) through the native addon (built by
// scripts/lib/prepare-workspace.sh; constructing it fails if it is missing) and util-linux's binaries.
const backends = ['native', 'spawn'] as const;
let mounter: SystemMounter;
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

describe.each(backends)('SystemMounter, %s backend (real kernel)', (backend) => {
  beforeEach(() => {
    mounter = new SystemMounter({ backend });
    expect(mounter.backend).toBe(backend);
  });

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
    // The cwd of the mount is its own: the engine's stays where it was.
    expect(process.cwd()).not.toBe(lowers);
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

  it('mounts tmpfs with flag options, binds submounts with recursive, read-only', async () => {
    const src = path.join(dir, 'src');
    const target = path.join(dir, 'target');
    await mkdir(src);
    await mkdir(target);
    await mounter.mountTmpfs(src, { options: ['nosuid', 'nodev', 'noexec'] });
    await mkdir(path.join(src, 'sub'));
    await mounter.mountTmpfs(path.join(src, 'sub'));
    await writeFile(path.join(src, 'sub', 'f'), 'below');
    await mounter.bind(src, target, { readOnly: true, recursive: true });
    expect((await mounter.list(src))[0]?.mountOptions).toEqual(
      expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']),
    );
    const [top, sub] = await mounter.list(target);
    // util-linux 2.38's `bind,ro` drops the source's nosuid/nodev/noexec; mount(2) keeps them.
    const kept = backend === 'native' ? ['nosuid', 'nodev', 'noexec'] : [];
    expect(top?.mountOptions).toEqual(expect.arrayContaining(['ro', ...kept]));
    expect(sub?.mountPoint).toBe(path.join(target, 'sub'));
    expect(await readdir(path.join(target, 'sub'))).toEqual(['f']);
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

describe('SystemMounter backend choice', () => {
  it('uses the native addon when it loads, and says why not when it does not', () => {
    expect(new SystemMounter().backend).toBe('native');
    const off = new SystemMounter({ env: { [OS_ADDON_ENV]: 'off' } });
    expect(off.backend).toBe('spawn');
    expect(off.fallbackReason).toContain(`${OS_ADDON_ENV}=off`);
    const missing = new SystemMounter({ env: { [OS_ADDON_ENV]: path.join(dir, 'none.node') } });
    expect(missing.backend).toBe('spawn');
    expect(missing.fallbackReason).toMatch(/is not built: run scripts\/lib\/prepare-workspace.sh/);
    expect(() => new SystemMounter({ backend: 'native', env: { [OS_ADDON_ENV]: 'off' } })).toThrow(
      /native mount backend is not available/,
    );
    expect(DEFAULT_OS_ADDON_PATH).toMatch(/src\/os\/native\/build\/Release\/skiff_os\.node$/);
  });

  it('falls back when the file is not a loadable addon', async () => {
    const bogus = path.join(dir, 'bogus.node');
    await writeFile(bogus, 'not an ELF file');
    const m = new SystemMounter({ env: { [OS_ADDON_ENV]: bogus } });
    expect(m.backend).toBe('spawn');
    expect(m.fallbackReason).toMatch(/cannot load/);
  });
});
