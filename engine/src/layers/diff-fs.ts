import {
  closeSync,
  constants,
  createReadStream,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Stats,
} from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';

/** Reads are done in pieces of this size at most. */
const CHUNK = 1 << 20;

/**
 * The file reads `diffDirectory` makes. `asyncDiffFs` goes through libuv's thread pool, as a
 * thread serving other work must; `syncDiffFs` makes the system calls on the calling thread, for
 * a worker thread that does nothing else (a tree of many small files then costs a few
 * microseconds per call instead of a thread-pool round trip each).
 */
export interface DiffFs {
  readdir(path: string): Promise<string[]>;
  lstat(path: string): Promise<Stats>;
  readlink(path: string): Promise<string>;
  /** Up to `size` bytes of a regular file, from the start, in chunks; fewer if it shrank. */
  read(path: string, size: number): AsyncIterable<Buffer>;
}

export const asyncDiffFs: DiffFs = {
  readdir: (p) => readdir(p),
  lstat: (p) => lstat(p),
  readlink: (p) => readlink(p),
  read: (p, size) =>
    createReadStream(p, { start: 0, end: size - 1, highWaterMark: CHUNK }) as AsyncIterable<Buffer>,
};

async function* readSyncChunks(p: string, size: number): AsyncIterable<Buffer> {
  // O_NOFOLLOW: the entry was an lstat'ed regular file; a symlink swapped in since is not followed.
  const fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(left, CHUNK));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, null);
        if (n === 0) break;
        got += n;
      }
      if (got === 0) return;
      left -= got;
      yield got === buf.length ? buf : buf.subarray(0, got);
      if (got < buf.length) return;
    }
  } finally {
    closeSync(fd);
  }
}

export const syncDiffFs: DiffFs = {
  readdir: async (p) => readdirSync(p),
  lstat: async (p) => lstatSync(p),
  readlink: async (p) => readlinkSync(p),
  read: readSyncChunks,
};
