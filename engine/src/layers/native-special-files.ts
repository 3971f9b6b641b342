import { chmod, lchown, readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadOsAddon, type OsAddon } from '../os/os-addon.js';
import { HostSpecialFiles, type SpecialFiles } from './special-files.js';
import type { XattrItem, XattrMap } from './xattr-dump.js';

const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

/**
 * `SpecialFiles` through Skiff's native addon: mknod(2) and the l*xattr calls, a few microseconds
 * each, where the host implementation spawns mknod, setfattr or getfattr (milliseconds, and a fork
 * of the whole engine). Same semantics: whiteouts are 0:0 character devices with mode 0, FIFOs get
 * exactly the permission bits asked for, xattr paths are relative to the root, symlinks are never
 * followed at the last component.
 */
export class NativeSpecialFiles implements SpecialFiles {
  constructor(private readonly addon: OsAddon) {}

  async whiteout(file: string, uid: number, gid: number): Promise<void> {
    this.addon.mknod(file, S_IFCHR, 0, 0);
    if (uid !== 0 || gid !== 0) await lchown(file, uid, gid);
  }

  async fifo(file: string, mode: number): Promise<void> {
    this.addon.mknod(file, S_IFIFO | (mode & 0o7777), 0, 0);
    // mknod(2) applies the umask; `mknod -m` (what this replaces) does not.
    await chmod(file, mode & 0o7777);
  }

  async setXattrs(root: string, items: readonly XattrItem[]): Promise<void> {
    for (const item of items) {
      const file = item.path === '.' ? root : path.join(root, item.path);
      for (const [name, value] of item.attrs) this.addon.lsetxattr(file, name, value);
    }
  }

  async readXattrs(root: string): Promise<Map<string, XattrMap>> {
    const out = new Map<string, XattrMap>();
    const visit = async (rel: string): Promise<void> => {
      const abs = rel === '' ? root : path.join(root, rel);
      const attrs = this.addon.lxattrs(abs);
      if (attrs.length > 0) out.set(rel, new Map(attrs));
      for (const entry of await readdir(abs, { withFileTypes: true })) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory()) await visit(child);
        else {
          const childAttrs = this.addon.lxattrs(path.join(root, child));
          if (childAttrs.length > 0) out.set(child, new Map(childAttrs));
        }
      }
    };
    await visit('');
    return out;
  }
}

/** The native implementation when the addon loads (see `loadOsAddon`), else the host tools. */
export function defaultSpecialFiles(env: NodeJS.ProcessEnv = process.env): SpecialFiles {
  const loaded = loadOsAddon(env);
  return 'addon' in loaded ? new NativeSpecialFiles(loaded.addon) : new HostSpecialFiles();
}
