import type { Header } from 'tar-stream';
import { isErrno, UnsafeArchiveError } from '../errors.js';
import { baseOf, isAtOrBelow, joinRel, normalizeEntryPath, parentOf } from './archive-path.js';
import { DirResolver, lstatIn } from './dir-resolver.js';
import { type Attrs, attrsOf, xattrsOf } from './entry-attrs.js';
import { asyncLayerFs, type LayerFile, type LayerFs } from './layer-fs.js';
import {
  AUFS_META_PREFIX,
  OPAQUE_WHITEOUT,
  OVERLAY_OPAQUE_XATTR,
  WHITEOUT_PREFIX,
} from './overlay-format.js';
import type { SpecialFiles } from './special-files.js';
import type { XattrItem, XattrMap } from './xattr-dump.js';

export type WhiteoutMode = 'overlay' | 'flatten';

export interface LayerWriterOptions {
  /**
   * `overlay` (default): the directory becomes an overlayfs lowerdir — `.wh.x` turns into a 0:0
   * character device, `.wh..wh..opq` into `trusted.overlay.opaque=y`. `flatten`: whiteouts delete
   * paths of the tree being written onto (commit, export).
   */
  whiteouts?: WhiteoutMode;
  /** Character and block devices are refused (default) or skipped; never created. */
  devices?: 'reject' | 'skip';
  specialFiles: SpecialFiles;
  /** How files are written: the thread pool (default) or, in a worker thread, direct system calls. */
  fs?: LayerFs;
}

/** An entry's data as tar-stream hands it out (a streamx Readable). */
export interface EntryData extends AsyncIterable<unknown> {
  on(event: 'end' | 'close' | 'error', listener: (err?: unknown) => void): unknown;
  resume(): unknown;
}

/** Files up to this size are gathered and written with one call. */
const SMALL_FILE = 1 << 20;
/** Larger files are written in batches of about this many bytes, one in flight while the next gathers. */
const WRITE_BATCH = 1 << 20;
/** Metadata of written files is finished in the background, this many at a time. */
const MAX_PENDING = 128;
const MAX_PENDING_BYTES = 64 << 20;

/**
 * Writes the entries of one layer tar into a directory, one entry at a time, never letting the
 * kernel follow a symlink: every parent component is checked with lstat (verified directories are
 * cached), files are created with O_EXCL|O_NOFOLLOW, and attributes of directories are applied at
 * the end through O_NOFOLLOW descriptors. Symlinks met as parents are resolved lexically inside the
 * root, as a chroot would.
 */
export class LayerWriter {
  private readonly mode: WhiteoutMode;
  private readonly dirs: DirResolver;
  private readonly fs: LayerFs;
  private readonly dirAttrs = new Map<string, Attrs>();
  private readonly xattrs = new Map<string, XattrMap>();
  private readonly opaque = new Set<string>();
  private readonly written = new Set<string>();
  private readonly whiteoutTemplates = new Map<string, string>();
  private readonly pending = new Set<Promise<void>>();
  private pendingBytes = 0;
  /** The file whose data is being read from the archive, closed by `abort`. */
  private current: LayerFile | undefined;
  private failure: unknown;
  private readonly myUid = process.getuid?.() ?? 0;
  private readonly myGid = process.getgid?.() ?? 0;
  private readonly umask = process.umask();
  /** Bytes of regular file content written. */
  fileBytes = 0;

  constructor(
    private readonly root: string,
    private readonly options: LayerWriterOptions,
  ) {
    this.mode = options.whiteouts ?? 'overlay';
    this.fs = options.fs ?? asyncLayerFs;
    this.dirs = new DirResolver(root, this.fs);
  }

  /** Applies one entry; on error the caller abandons the whole archive (nothing is drained). */
  async entry(header: Header, data: EntryData): Promise<void> {
    if (this.failure) throw this.failure;
    if (!(await this.apply(header, data))) await drain(data);
  }

  /** Waits for background work, then applies whiteouts' and directories' deferred state. */
  async finish(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure) throw this.failure;
    const items: XattrItem[] = [];
    for (const dir of this.opaque) {
      const attrs = this.xattrs.get(dir) ?? new Map<string, Buffer>();
      attrs.set(OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      this.xattrs.set(dir, attrs);
    }
    for (const [p, attrs] of this.xattrs) items.push({ path: p === '' ? '.' : p, attrs });
    await this.options.specialFiles.setXattrs(this.root, items);
    const dirs = [...this.dirAttrs];
    for (let i = 0; i < dirs.length; i += MAX_PENDING) {
      await Promise.all(dirs.slice(i, i + MAX_PENDING).map(([rel, attrs]) => this.finishDir(rel, attrs)));
    }
  }

  /** After a failure: closes the file being written; background work settles by itself. */
  async abort(): Promise<void> {
    const fh = this.current;
    this.current = undefined;
    await fh?.close().catch(() => {});
    await Promise.allSettled(this.pending);
  }

  /** Returns whether it consumed `data`. */
  private async apply(header: Header, data: EntryData): Promise<boolean> {
    const name = normalizeEntryPath(header.name);
    const type: string = header.type ?? 'file';
    if (name === '') {
      if (type !== 'directory') throw new UnsafeArchiveError(header.name, 'only a directory can be the root');
      this.dirAttrs.set('', attrsOf(header));
      return false;
    }
    const base = baseOf(name);
    const isZeroDevice = type === 'character-device' && header.devmajor === 0 && header.devminor === 0;
    if (base.startsWith(WHITEOUT_PREFIX) || isZeroDevice) {
      await this.whiteout(name, base, header, isZeroDevice);
      return false;
    }
    const parent = await this.dirs.resolve(parentOf(name), header.name);
    const target = joinRel(parent, base);
    switch (type) {
      case 'file':
      case 'contiguous-file':
        await this.writeFile(target, header, data);
        return true;
      case 'directory':
        await this.makeDir(target, header);
        return false;
      case 'symlink':
        await this.makeSymlink(target, header);
        return false;
      case 'link':
        await this.makeHardlink(target, header);
        return false;
      case 'fifo':
        await this.makeFifo(target, header);
        return false;
      case 'character-device':
      case 'block-device':
        if (this.options.devices === 'skip') return false;
        throw new UnsafeArchiveError(
          header.name,
          `${type} ${header.devmajor}:${header.devminor} refused: image layers may not create device nodes; leave /dev out of the archive (the container runtime provides it)`,
        );
      default:
        throw new UnsafeArchiveError(header.name, `unsupported tar entry type ${JSON.stringify(type)}`);
    }
  }

  private abs(rel: string): string {
    return this.dirs.abs(rel);
  }

  /** Removes whatever is at `rel` and forgets everything recorded at or below it. */
  private async remove(rel: string): Promise<void> {
    const st = await lstatIn(this.fs, this.abs(rel));
    if (st === undefined) return;
    if (!st.isDirectory()) {
      // Only a directory has anything recorded below it; a file costs no scan.
      await this.fs.rm(this.abs(rel), {});
      for (const set of [this.opaque, this.written]) set.delete(rel);
      this.xattrs.delete(rel);
      return;
    }
    await this.fs.rm(this.abs(rel), { recursive: true });
    const below = (p: string) => isAtOrBelow(p, rel);
    this.dirs.forget(rel);
    for (const set of [this.opaque, this.written]) {
      for (const p of set) if (below(p)) set.delete(p);
    }
    for (const map of [this.dirAttrs, this.xattrs]) {
      for (const p of map.keys()) if (below(p)) map.delete(p);
    }
  }

  private async whiteout(name: string, base: string, header: Header, isZeroDevice: boolean): Promise<void> {
    const parent = await this.dirs.resolve(parentOf(name), header.name);
    if (base === OPAQUE_WHITEOUT) {
      if (this.mode === 'overlay') this.opaque.add(parent);
      else await this.clearLower(parent);
      return;
    }
    if (!isZeroDevice && base.startsWith(AUFS_META_PREFIX)) return;
    const hidden = isZeroDevice ? base : base.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..') {
      throw new UnsafeArchiveError(header.name, 'whiteout names no file');
    }
    const target = joinRel(parent, hidden);
    if (this.mode === 'flatten') {
      await this.remove(target);
      return;
    }
    await this.remove(target);
    const uid = header.uid ?? 0;
    const gid = header.gid ?? 0;
    const key = `${uid}:${gid}`;
    const template = this.whiteoutTemplates.get(key);
    // overlayfs itself shares one inode among whiteouts; one mknod per owner keeps spawns rare.
    if (template !== undefined) {
      try {
        await this.fs.link(template, this.abs(target));
        return;
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
    await this.options.specialFiles.whiteout(this.abs(target), uid, gid);
    this.whiteoutTemplates.set(key, this.abs(target));
  }

  /** Flatten mode's opaque marker: deletes what lower layers put in `dir`, keeping this layer's entries. */
  private async clearLower(dir: string): Promise<void> {
    for (const child of await this.fs.readdir(this.abs(dir))) {
      const rel = joinRel(dir, child);
      if (!this.written.has(rel)) await this.remove(rel);
      else if (this.dirs.has(rel)) await this.clearLower(rel);
    }
  }

  private async writeFile(target: string, header: Header, data: EntryData): Promise<void> {
    const size = header.size ?? 0;
    const attrs = attrsOf(header);
    // Created with its final permission bits when the umask keeps them: one fchmod less per file.
    const createMode = attrs.mode & 0o777;
    let fh: LayerFile;
    try {
      fh = await this.fs.openNewFile(this.abs(target), createMode);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      await this.remove(target);
      fh = await this.fs.openNewFile(this.abs(target), createMode);
    }
    this.written.add(target);
    this.fileBytes += size;
    this.recordXattrs(target, header);
    this.current = fh;
    const chunks: Buffer[] = [];
    try {
      if (size > SMALL_FILE) await writeLarge(fh, data);
      else for await (const chunk of data) chunks.push(chunk as Buffer);
    } catch (err) {
      this.current = undefined;
      await fh.close();
      throw err;
    }
    this.current = undefined;
    // The rest happens in the background: the file exists already (links and lstat see it), and
    // a small file's data and every file's metadata land while the next entries are parsed.
    await this.background(this.finishFile(fh, attrs, chunks), chunks.length > 0 ? size : 0);
  }

  private async finishFile(fh: LayerFile, a: Attrs, chunks: Buffer[]): Promise<void> {
    try {
      if (chunks.length === 1) await fh.write(chunks[0] as Buffer);
      else if (chunks.length > 1) await fh.writev(chunks);
      const chown = a.uid !== this.myUid || a.gid !== this.myGid;
      if (chown) await fh.chown(a.uid, a.gid);
      // chown clears set-id bits, and the umask may have removed some: then set the mode again.
      if (chown || (a.mode & this.umask) !== 0 || a.mode > 0o777) await fh.chmod(a.mode);
      await fh.utimes(a.atime, a.mtime);
    } finally {
      await fh.close();
    }
  }

  /** Runs `work` without waiting for it, bounding open descriptors and buffered bytes. */
  private async background(work: Promise<void>, bytes: number): Promise<void> {
    this.pendingBytes += bytes;
    const p = work.then(
      () => {
        this.pending.delete(p);
        this.pendingBytes -= bytes;
      },
      (err: unknown) => {
        this.pending.delete(p);
        this.pendingBytes -= bytes;
        this.failure ??= err;
      },
    );
    this.pending.add(p);
    while (this.pending.size >= MAX_PENDING || this.pendingBytes > MAX_PENDING_BYTES) {
      await Promise.race(this.pending);
    }
  }

  private async makeDir(target: string, header: Header): Promise<void> {
    try {
      await this.fs.mkdir(this.abs(target), 0o700);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const st = await this.fs.lstat(this.abs(target));
      if (!st.isDirectory()) {
        await this.remove(target);
        await this.fs.mkdir(this.abs(target), 0o700);
      }
    }
    this.dirs.add(target);
    this.written.add(target);
    this.dirAttrs.set(target, attrsOf(header));
    this.recordXattrs(target, header);
  }

  private async makeSymlink(target: string, header: Header): Promise<void> {
    const linkname = header.linkname ?? '';
    if (linkname === '' || Buffer.byteLength(linkname) > 4096 || linkname.includes('\0')) {
      throw new UnsafeArchiveError(header.name, 'symlink target is empty or too long');
    }
    const abs = this.abs(target);
    try {
      await this.fs.symlink(linkname, abs);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      await this.remove(target);
      await this.fs.symlink(linkname, abs);
    }
    this.written.add(target);
    const a = attrsOf(header);
    if (a.uid !== this.myUid || a.gid !== this.myGid) await this.fs.lchown(abs, a.uid, a.gid);
    await this.fs.lutimes(abs, a.atime, a.mtime);
    this.recordXattrs(target, header);
  }

  private async makeHardlink(target: string, header: Header): Promise<void> {
    const source = normalizeEntryPath(header.linkname ?? '', 'hardlink target');
    if (source === '') throw new UnsafeArchiveError(header.name, 'hardlink to the root directory');
    await this.dirs.checkReal(parentOf(source), header.name);
    const st = await lstatIn(this.fs, this.abs(source));
    if (st === undefined) {
      throw new UnsafeArchiveError(
        header.name,
        `hardlink target ${JSON.stringify(source)} is not an earlier entry of the layer`,
      );
    }
    if (st.isDirectory()) throw new UnsafeArchiveError(header.name, 'hardlink to a directory');
    if (source === target) return;
    // The source's metadata may still be in flight; link shares the inode, so it lands anyway.
    try {
      await this.fs.link(this.abs(source), this.abs(target));
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      await this.remove(target);
      await this.fs.link(this.abs(source), this.abs(target));
    }
    this.written.add(target);
  }

  private async makeFifo(target: string, header: Header): Promise<void> {
    await this.remove(target);
    const a = attrsOf(header);
    await this.options.specialFiles.fifo(this.abs(target), a.mode);
    this.written.add(target);
    if (a.uid !== this.myUid || a.gid !== this.myGid) await this.fs.lchown(this.abs(target), a.uid, a.gid);
    await this.fs.lutimes(this.abs(target), a.atime, a.mtime);
    this.recordXattrs(target, header);
  }

  private recordXattrs(target: string, header: Header): void {
    const attrs = xattrsOf(header);
    if (attrs) this.xattrs.set(target, attrs);
  }

  private async finishDir(rel: string, a: Attrs): Promise<void> {
    const fh = await this.fs.openDir(this.abs(rel));
    try {
      if (a.uid !== this.myUid || a.gid !== this.myGid) await fh.chown(a.uid, a.gid);
      await fh.chmod(a.mode);
      await fh.utimes(a.atime, a.mtime);
    } finally {
      await fh.close();
    }
  }
}

/**
 * Streams a large file's data: chunks gather into batches of ~WRITE_BATCH bytes written with one
 * writev while the next batch gathers, instead of one awaited write per (often 64 KiB) chunk.
 */
async function writeLarge(fh: LayerFile, data: EntryData): Promise<void> {
  let batch: Buffer[] = [];
  let bytes = 0;
  let inflight: Promise<unknown> | undefined;
  try {
    for await (const chunk of data) {
      batch.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes < WRITE_BATCH) continue;
      await inflight;
      inflight = fh.writev(batch);
      batch = [];
      bytes = 0;
    }
  } finally {
    // Settled either way: the caller closes the descriptor next.
    await inflight?.catch(() => {});
  }
  await inflight;
  if (batch.length > 0) await fh.writev(batch);
}

function drain(data: EntryData): Promise<void> {
  return new Promise((resolve, reject) => {
    data.on('end', () => resolve());
    data.on('close', () => resolve());
    data.on('error', reject);
    data.resume();
  });
}
