import { lchown } from 'node:fs/promises';
import { runCommand } from '../util/run-command.js';
import { formatXattrDump, parseXattrDump, type XattrItem, type XattrMap } from './xattr-dump.js';

/**
 * The file operations Node cannot do itself (mknod, setxattr, getxattr), behind one narrow port.
 * The host implementation spawns coreutils' `mknod` and attr's `setfattr`/`getfattr`; callers
 * batch xattrs so one layer costs one spawn, not one per file.
 */
export interface SpecialFiles {
  /** Creates an overlayfs whiteout: a character device 0:0, mode 0, owned by `uid:gid`. */
  whiteout(path: string, uid: number, gid: number): Promise<void>;
  /** Creates a named pipe with `mode` (permission bits). */
  fifo(path: string, mode: number): Promise<void>;
  /** Sets xattrs on paths relative to `root`, never following symlinks. */
  setXattrs(root: string, items: readonly XattrItem[]): Promise<void>;
  /** Every xattr of every file under `root` (one walk, symlinks not followed), keyed by relative path. */
  readXattrs(root: string): Promise<Map<string, XattrMap>>;
}

export class HostSpecialFiles implements SpecialFiles {
  async whiteout(path: string, uid: number, gid: number): Promise<void> {
    await runCommand('mknod', ['-m', '000', '--', path, 'c', '0', '0']);
    if (uid !== 0 || gid !== 0) await lchown(path, uid, gid);
  }

  async fifo(path: string, mode: number): Promise<void> {
    await runCommand('mknod', ['-m', (mode & 0o7777).toString(8), '--', path, 'p']);
  }

  async setXattrs(root: string, items: readonly XattrItem[]): Promise<void> {
    if (items.length === 0) return;
    await runCommand('setfattr', ['-h', '--restore=-'], { cwd: root, input: formatXattrDump(items) });
  }

  async readXattrs(root: string): Promise<Map<string, XattrMap>> {
    // -P: no symlink walks; -h: a symlink's own attributes; paths print relative to `.`.
    const { stdout } = await runCommand('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '.'], {
      cwd: root,
      env: { ...process.env, LC_ALL: 'C' },
    });
    const raw = parseXattrDump(stdout);
    const out = new Map<string, XattrMap>();
    for (const [p, attrs] of raw) out.set(p === '.' ? '' : p.replace(/^\.\//, ''), attrs);
    return out;
  }
}
