import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import type { OciDevice } from '../runtime/oci-spec-types.js';

/** Directories under /dev that are filesystems of their own; the runtime mounts the container's. */
const SKIP = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/hugepages', '/dev/console']);

/** Linux's dev_t encoding (kdev_t.h, new_decode_dev). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

/** Every character and block device under `/dev` (what a privileged container gets, as in Docker). */
export async function listHostDevices(root = '/dev'): Promise<OciDevice[]> {
  const devices: OciDevice[] = [];
  async function walk(dir: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err: unknown) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EACCES')) return;
      throw err;
    }
    for (const name of names) {
      const full = path.join(dir, name);
      if (SKIP.has(full)) continue;
      let st: BigIntStats;
      try {
        st = await lstat(full, { bigint: true });
      } catch {
        continue;
      }
      if (st.isDirectory()) await walk(full);
      else if (st.isCharacterDevice() || st.isBlockDevice()) {
        devices.push({
          type: st.isCharacterDevice() ? 'c' : 'b',
          path: full,
          ...splitDev(st.rdev),
          fileMode: Number(st.mode & 0o777n),
          uid: Number(st.uid),
          gid: Number(st.gid),
        });
      }
    }
  }
  await walk(root);
  return devices;
}
