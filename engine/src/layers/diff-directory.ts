import type { Stats } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { type Header, type Pack, pack } from 'tar-stream';
import { SkiffError } from '../errors.js';
import { joinRel } from './archive-path.js';
import { asyncDiffFs, type DiffFs } from './diff-fs.js';
import { defaultSpecialFiles } from './native-special-files.js';
import {
  isOverlayXattr,
  OPAQUE_WHITEOUT,
  OVERLAY_OPAQUE_XATTR,
  PAX_XATTR_PREFIX,
  WHITEOUT_PREFIX,
} from './overlay-format.js';
import type { SpecialFiles } from './special-files.js';
import { waitDrain } from './wait-drain.js';
import type { XattrMap } from './xattr-dump.js';

export interface DiffDirectoryOptions {
  /**
   * Read `dir` as an overlayfs upper dir (default): 0:0 character devices become `.wh.<name>`,
   * `trusted.overlay.opaque=y` becomes `.wh..wh..opq`. With `false` the directory is a plain tree
   * (an imported rootfs) and is archived as it is.
   */
  overlay?: boolean;
  /** Entries newer than this get this mtime, for reproducible layers (like SOURCE_DATE_EPOCH). */
  clampMtime?: Date;
  specialFiles?: SpecialFiles;
  /** File reads: on the thread pool (default) or, in a worker thread, direct system calls. */
  fs?: DiffFs;
}

/** Xattrs overlayfs sets on copied-up entries whose meaning a layer tar cannot carry. */
const UNSUPPORTED_OVERLAY_XATTRS = ['trusted.overlay.redirect', 'trusted.overlay.metacopy'];

/**
 * Archives a directory as a layer tar (tar-stream pack), in a deterministic order: each
 * directory's own entry, then its opaque marker, then whiteouts, then the other children sorted
 * by name, depth first. Hard links within the tree become link entries to the first path.
 * Reads all xattrs with one `getfattr -R` spawn.
 */
export function diffDirectory(dir: string, options: DiffDirectoryOptions = {}): Readable {
  const out = pack();
  const walker = new DirectoryDiffer(dir, out, options);
  walker.run().then(
    () => out.finalize(),
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return Readable.from(out as AsyncIterable<Buffer>, { objectMode: false });
}

class DirectoryDiffer {
  private readonly overlay: boolean;
  private readonly fs: DiffFs;
  private readonly links = new Map<string, string>();
  private xattrs = new Map<string, XattrMap>();

  constructor(
    private readonly root: string,
    private readonly out: Pack,
    private readonly options: DiffDirectoryOptions,
  ) {
    this.overlay = options.overlay ?? true;
    this.fs = options.fs ?? asyncDiffFs;
  }

  async run(): Promise<void> {
    this.xattrs = await (this.options.specialFiles ?? defaultSpecialFiles()).readXattrs(this.root);
    if (this.overlay) this.checkOverlayFeatures();
    await this.children('');
  }

  private checkOverlayFeatures(): void {
    for (const [p, attrs] of this.xattrs) {
      const bad = UNSUPPORTED_OVERLAY_XATTRS.find((x) => attrs.has(x));
      if (bad) {
        throw new SkiffError(
          'SKIFF_UNSUPPORTED_OVERLAY',
          `cannot diff ${JSON.stringify(joinRel(this.root, p))}: it carries ${bad}; mount the overlay with redirect_dir=off,metacopy=off so an upper dir is a complete layer`,
        );
      }
    }
  }

  private async children(rel: string): Promise<void> {
    const names = (await this.fs.readdir(path.join(this.root, rel))).sort();
    const entries: { name: string; rel: string; st: Stats }[] = [];
    for (const name of names) {
      const childRel = joinRel(rel, name);
      entries.push({ name, rel: childRel, st: await this.fs.lstat(path.join(this.root, childRel)) });
    }
    const isWhiteout = (st: Stats) => this.overlay && st.isCharacterDevice() && st.rdev === 0;
    for (const e of entries) {
      if (isWhiteout(e.st)) {
        const name = joinRel(rel, WHITEOUT_PREFIX + e.name);
        await this.add({ ...this.headerOf(name, e.st), type: 'file', mode: 0o600, size: 0 }, e.rel);
      }
    }
    for (const e of entries) {
      if (!isWhiteout(e.st)) await this.entry(e.rel, e.st);
    }
  }

  private async entry(rel: string, st: Stats): Promise<void> {
    const abs = path.join(this.root, rel);
    const base = this.headerOf(rel, st);
    if (st.isDirectory()) {
      await this.add({ ...base, name: `${rel}/`, type: 'directory' }, rel);
      const attrs = this.xattrs.get(rel);
      if (this.overlay && attrs?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
        await this.add({ ...base, name: `${rel}/${OPAQUE_WHITEOUT}`, type: 'file', size: 0 }, undefined);
      }
      await this.children(rel);
    } else if (st.isSymbolicLink()) {
      await this.add({ ...base, type: 'symlink', linkname: await this.fs.readlink(abs) }, rel);
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? this.links.get(key) : undefined;
      if (first !== undefined) {
        await this.add({ ...base, type: 'link', linkname: first, size: 0 }, undefined);
        return;
      }
      if (st.nlink > 1) this.links.set(key, rel);
      await this.file({ ...base, type: 'file', size: st.size }, abs, rel);
    } else if (st.isFIFO()) {
      await this.add({ ...base, type: 'fifo' }, rel);
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const type = st.isCharacterDevice() ? 'character-device' : 'block-device';
      await this.add({ ...base, type, devmajor: major(st.rdev), devminor: minor(st.rdev) }, rel);
    }
    // Sockets cannot be archived; Docker skips them too.
  }

  private headerOf(name: string, st: Stats): Header & { name: string } {
    const clamp = this.options.clampMtime;
    const mtime = clamp && st.mtime > clamp ? clamp : st.mtime;
    return {
      name,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime,
      size: 0,
      type: 'file',
      linkname: '',
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
    };
  }

  /** Adds a data-less entry, carrying the xattrs recorded for `xattrPath`. */
  private add(header: Header, xattrPath: string | undefined): Promise<void> {
    const pax = xattrPath === undefined ? undefined : this.paxOf(xattrPath);
    return new Promise((resolve, reject) => {
      this.out.entry({ ...header, pax }, Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  }

  private async file(header: Header, abs: string, rel: string): Promise<void> {
    if (header.size === 0) return this.add(header, rel);
    let settle!: (err?: Error | null) => void;
    const written = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    const sink = this.out.entry({ ...header, pax: this.paxOf(rel) }, (err) => settle(err));
    let read = 0;
    try {
      for await (const chunk of this.fs.read(abs, header.size ?? 0)) {
        read += chunk.length;
        if (!sink.write(chunk)) await waitDrain(sink);
      }
    } catch (err) {
      sink.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    if (read !== header.size) {
      const err = new SkiffError(
        'SKIFF_FILE_CHANGED',
        `${abs} shrank from ${header.size} to ${read} bytes while it was archived; stop writers to the directory and retry`,
      );
      sink.destroy(err);
      throw err;
    }
    sink.end(undefined);
    await written;
  }

  private paxOf(rel: string): Record<string, string> | undefined {
    const attrs = this.xattrs.get(rel);
    if (!attrs) return undefined;
    let pax: Record<string, string> | undefined;
    for (const [name, value] of attrs) {
      if (isOverlayXattr(name)) continue;
      const text = value.toString('utf8');
      // tar-stream writes PAX values as UTF-8; a value that is not valid UTF-8 cannot survive.
      if (!Buffer.from(text, 'utf8').equals(value)) continue;
      pax ??= {};
      pax[PAX_XATTR_PREFIX + name] = text;
    }
    return pax;
  }
}

/** glibc's gnu_dev_major/minor for the 64-bit dev_t Node reports. */
function major(dev: number): number {
  return ((dev >> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
}

function minor(dev: number): number {
  return (dev & 0xff) | ((dev >> 12) & ~0xff);
}
