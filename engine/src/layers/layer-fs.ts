import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  type Stats,
  symlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import {
  type FileHandle,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  rm,
  symlink,
} from 'node:fs/promises';

/** A new regular file: never through a symlink, never over an existing name. */
const OPEN_NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** A directory's own descriptor, for its metadata; a symlink in its place fails. */
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** An open file or directory of a layer being written. */
export interface LayerFile {
  /** Writes all of `data` at the current position. */
  write(data: Buffer): Promise<void>;
  writev(data: readonly Buffer[]): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  utimes(atime: Date, mtime: Date): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file operations a LayerWriter makes. `asyncLayerFs` runs each on libuv's thread pool, as
 * a thread that serves other work must. `syncLayerFs` makes the system calls on the calling
 * thread: right for a worker thread that does nothing else, where a layer of many small files
 * costs a few microseconds per call instead of a thread-pool round trip and a wake-up each.
 */
export interface LayerFs {
  openNewFile(path: string, mode: number): Promise<LayerFile>;
  openDir(path: string): Promise<LayerFile>;
  mkdir(path: string, mode: number): Promise<void>;
  lstat(path: string): Promise<Stats>;
  readlink(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  symlink(target: string, path: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  lchown(path: string, uid: number, gid: number): Promise<void>;
  lutimes(path: string, atime: Date, mtime: Date): Promise<void>;
  rm(path: string, options: { recursive?: boolean }): Promise<void>;
}

class AsyncFile implements LayerFile {
  constructor(private readonly fh: FileHandle) {}
  async write(data: Buffer): Promise<void> {
    await this.fh.write(data);
  }
  async writev(data: readonly Buffer[]): Promise<void> {
    await this.fh.writev(data as Buffer[]);
  }
  chown(uid: number, gid: number): Promise<void> {
    return this.fh.chown(uid, gid);
  }
  chmod(mode: number): Promise<void> {
    return this.fh.chmod(mode);
  }
  utimes(atime: Date, mtime: Date): Promise<void> {
    return this.fh.utimes(atime, mtime);
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

export const asyncLayerFs: LayerFs = {
  openNewFile: async (p, mode) => new AsyncFile(await open(p, OPEN_NEW_FILE, mode)),
  openDir: async (p) => new AsyncFile(await open(p, OPEN_DIR)),
  mkdir: async (p, mode) => {
    await mkdir(p, { mode });
  },
  lstat: (p) => lstat(p),
  readlink: (p) => readlink(p),
  readdir: (p) => readdir(p),
  symlink: (target, p) => symlink(target, p),
  link: (existing, p) => link(existing, p),
  lchown: (p, uid, gid) => lchown(p, uid, gid),
  lutimes: (p, atime, mtime) => lutimes(p, atime, mtime),
  rm: (p, options) => rm(p, { ...options, force: true }),
};

class SyncFile implements LayerFile {
  private fd: number | undefined;
  constructor(fd: number) {
    this.fd = fd;
  }
  private get open(): number {
    if (this.fd === undefined) throw new Error('layer file already closed');
    return this.fd;
  }
  async write(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; ) at += writeSync(this.open, data, at);
  }
  async writev(data: readonly Buffer[]): Promise<void> {
    let pending = data.filter((b) => b.length > 0);
    while (pending.length > 0) {
      let n = writevSync(this.open, pending);
      // A short write (rare for regular files): continue after the bytes that went down.
      while (pending.length > 0 && n >= (pending[0] as Buffer).length)
        n -= (pending.shift() as Buffer).length;
      if (n > 0) pending = [(pending[0] as Buffer).subarray(n), ...pending.slice(1)];
    }
  }
  async chown(uid: number, gid: number): Promise<void> {
    fchownSync(this.open, uid, gid);
  }
  async chmod(mode: number): Promise<void> {
    fchmodSync(this.open, mode);
  }
  async utimes(atime: Date, mtime: Date): Promise<void> {
    futimesSync(this.open, atime, mtime);
  }
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

export const syncLayerFs: LayerFs = {
  openNewFile: async (p, mode) => new SyncFile(openSync(p, OPEN_NEW_FILE, mode)),
  openDir: async (p) => new SyncFile(openSync(p, OPEN_DIR)),
  mkdir: async (p, mode) => {
    mkdirSync(p, { mode });
  },
  lstat: async (p) => lstatSync(p),
  readlink: async (p) => readlinkSync(p),
  readdir: async (p) => readdirSync(p),
  symlink: async (target, p) => symlinkSync(target, p),
  link: async (existing, p) => linkSync(existing, p),
  lchown: async (p, uid, gid) => lchownSync(p, uid, gid),
  lutimes: async (p, atime, mtime) => lutimesSync(p, atime, mtime),
  rm: async (p, options) => rmSync(p, { ...options, force: true }),
};
