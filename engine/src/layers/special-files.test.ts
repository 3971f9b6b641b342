import { lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOsAddon } from '../os/os-addon.js';
import { NativeSpecialFiles } from './native-special-files.js';
import { HostSpecialFiles, type SpecialFiles } from './special-files.js';

// One suite for both implementations, on the real filesystem (as root): the host tools (mknod,
// setfattr, getfattr) and the native addon (built by scripts/lib/prepare-workspace.sh).
const implementations: [string, () => SpecialFiles][] = [
  ['host tools', () => new HostSpecialFiles()],
  [
    'native addon',
    () => {
      const loaded = loadOsAddon({});
      if (!('addon' in loaded)) throw new Error(`native addon missing: ${loaded.missing}`);
      return new NativeSpecialFiles(loaded.addon);
    },
  ],
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp('/dev/shm/skiff-special-files-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(implementations)('SpecialFiles through the %s', (_name, make) => {
  it('makes whiteouts as 0:0 character devices with mode 0 and the given owner', async () => {
    const files = make();
    await files.whiteout(path.join(dir, 'gone'), 0, 0);
    await files.whiteout(path.join(dir, 'owned'), 1000, 1001);
    const st = await lstat(path.join(dir, 'gone'));
    expect({ chr: st.isCharacterDevice(), rdev: st.rdev, mode: st.mode & 0o7777 }).toEqual({
      chr: true,
      rdev: 0,
      mode: 0,
    });
    const owned = await lstat(path.join(dir, 'owned'));
    expect([owned.uid, owned.gid]).toEqual([1000, 1001]);
    await expect(files.whiteout(path.join(dir, 'gone'), 0, 0)).rejects.toThrow();
  });

  it('makes FIFOs with exactly the permission bits asked for, whatever the umask', async () => {
    await make().fifo(path.join(dir, 'pipe'), 0o666);
    const st = await lstat(path.join(dir, 'pipe'));
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o666);
  });

  it('writes xattrs on paths under the root (a symlink itself, the root as .) and reads them all back', async () => {
    const files = make();
    await mkdir(path.join(dir, 'a/b'), { recursive: true });
    await writeFile(path.join(dir, 'a/b/file'), 'x');
    await writeFile(path.join(dir, 'plain'), 'x');
    await symlink('/etc/passwd', path.join(dir, 'a/link'));
    await files.setXattrs(dir, [
      { path: '.', attrs: new Map([['trusted.overlay.opaque', Buffer.from('y')]]) },
      { path: 'a/b/file', attrs: new Map([['user.note', Buffer.from([0, 1, 255])]]) },
      { path: 'a/link', attrs: new Map([['trusted.mark', Buffer.from('link')]]) },
    ]);
    const read = await files.readXattrs(dir);
    expect(read.get('')?.get('trusted.overlay.opaque')).toEqual(Buffer.from('y'));
    expect(read.get('a/b/file')?.get('user.note')).toEqual(Buffer.from([0, 1, 255]));
    expect(read.get('a/link')?.get('trusted.mark')).toEqual(Buffer.from('link'));
    expect(read.has('plain')).toBe(false);
  });
});
