import { lstat } from 'node:fs/promises';
import path, { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { Header } from 'tar-stream';
import { isErrno } from '../../errors.js';
import { LayerWriter } from '../../layers/layer-writer.js';
import type { SpecialFiles } from '../../layers/special-files.js';
import { resolveInRoot } from '../../os/resolve-in-root.js';
import { joinSource, type SourceEntry } from '../source/source-tree.js';
import { walkSource } from '../source/walk-source.js';
import { type CopyItem, CopySourceProblem, destinationIsDirectory } from './copy-sources.js';

export interface Ownership {
  uid: number;
  gid: number;
}

export interface CopyWrite {
  /** The destination as an absolute path in the image (WORKDIR applied). */
  destination: string;
  /** The destination as written: a trailing `/` makes it a directory. */
  written: string;
  items: readonly CopyItem[];
  /** `--chown`; without it everything is owned by root. */
  chown?: Ownership;
  /** `--chmod`, applied to every file and directory copied. */
  chmod?: number;
  /** `COPY --exclude` patterns, relative to each source directory. */
  exclude?: (rel: string) => boolean;
  /** Time for directories the copy creates. */
  now: Date;
}

/** Where one item lands, relative to the root filesystem. */
export interface PlacedItem {
  item: CopyItem;
  /** For a directory item: the directory its contents go into; for a file: the file's path. */
  target: string;
}

const EMPTY = (): Readable => Readable.from([]);

/** A complete tar-stream header from the fields that matter. */
export function header(fields: Partial<Header> & Pick<Header, 'name' | 'type'>): Header {
  return {
    size: 0,
    mode: 0o644,
    mtime: new Date(0),
    linkname: '',
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    ...fields,
  };
}

/**
 * Places COPY/ADD sources in a root filesystem with Docker's rules: a directory's contents are
 * copied, several sources or a trailing `/` make the destination a directory, a file onto an
 * existing directory goes inside it, missing parents are created (owned as `--chown` says). The
 * destination is resolved in the root like the container would (symlinks followed inside it).
 */
export async function placeItems(
  root: string,
  write: CopyWrite,
): Promise<{ placed: PlacedItem[]; mkdirs: string[] }> {
  const asDirectory = destinationIsDirectory(write.written) || write.items.length > 1;
  if (write.items.length > 1 && !destinationIsDirectory(write.written)) {
    throw new CopySourceProblem(
      `the sources match ${write.items.length} files, so the destination must be a directory and end with a /: ${JSON.stringify(write.written)}`,
    );
  }
  const realRoot = await resolveInRoot(root, '/');
  const resolved = await resolveInRoot(root, write.destination);
  const destRel = path.relative(realRoot, resolved).split(path.sep).filter(Boolean).join('/');
  const existing = await lstatOrUndefined(resolved);
  const destIsDir = existing?.isDirectory() ?? false;
  const placed: PlacedItem[] = [];
  let needDir = false;
  let needParent = false;
  for (const item of write.items) {
    if (item.entry.kind === 'directory') {
      if (existing && !destIsDir) {
        throw new CopySourceProblem(
          `cannot copy the directory ${JSON.stringify(item.rel || '.')} onto ${write.destination}, which is a file in the image`,
        );
      }
      placed.push({ item, target: destRel });
      needDir = true;
    } else if (asDirectory || destIsDir) {
      if (existing && !destIsDir) {
        throw new CopySourceProblem(`${write.destination} exists in the image and is not a directory`);
      }
      placed.push({ item, target: joinSource(destRel, item.name) });
      needDir = true;
    } else {
      placed.push({ item, target: destRel });
      needParent = true;
    }
  }
  const dirToMake = needDir ? destRel : needParent ? posix.dirname(`/${destRel}`).slice(1) : '';
  return { placed, mkdirs: await missingDirs(realRoot, dirToMake) };
}

/** The components of `rel` (a resolved directory path) that do not exist yet, outermost first. */
async function missingDirs(realRoot: string, rel: string): Promise<string[]> {
  const missing: string[] = [];
  let sofar = '';
  for (const part of rel.split('/').filter(Boolean)) {
    sofar = joinSource(sofar, part);
    if (missing.length > 0) {
      missing.push(sofar);
      continue;
    }
    const st = await lstatOrUndefined(path.join(realRoot, sofar));
    if (st === undefined) missing.push(sofar);
    else if (!st.isDirectory() && !st.isSymbolicLink()) {
      throw new CopySourceProblem(`/${sofar} exists in the image and is not a directory`);
    }
  }
  return missing;
}

/** Writes the placed items into `root` through a LayerWriter: never following a symlink out of the root. */
export async function writeItems(
  root: string,
  write: CopyWrite,
  layout: { placed: PlacedItem[]; mkdirs: string[] },
  specialFiles: SpecialFiles,
): Promise<void> {
  const writer = new LayerWriter(root, { whiteouts: 'flatten', devices: 'skip', specialFiles });
  const owner = write.chown ?? { uid: 0, gid: 0 };
  const dirHeader = (name: string, mode: number, mtime: Date): Header =>
    header({ name, type: 'directory', mode, uid: owner.uid, gid: owner.gid, mtime });
  try {
    for (const dir of layout.mkdirs) await writer.entry(dirHeader(dir, 0o755, write.now), EMPTY());
    for (const { item, target } of layout.placed) {
      if (item.entry.kind !== 'directory') {
        await writeEntry(writer, item, item.rel, target, item.entry, write, owner);
        continue;
      }
      for await (const child of walkSource(item.tree, item.rel)) {
        if (write.exclude?.(child.rel)) continue;
        const name = joinSource(target, child.rel);
        if (child.rel.split('/').some((p) => p.startsWith('.wh.'))) {
          throw new CopySourceProblem(
            `${joinSource(item.rel, child.rel)}: names starting with .wh. are layer whiteout markers and cannot be copied`,
          );
        }
        await writeEntry(writer, item, joinSource(item.rel, child.rel), name, child.entry, write, owner);
      }
    }
    await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

async function writeEntry(
  writer: LayerWriter,
  item: CopyItem,
  sourceRel: string,
  name: string,
  entry: SourceEntry,
  write: CopyWrite,
  owner: Ownership,
): Promise<void> {
  const base = {
    name,
    mode: write.chmod ?? entry.mode,
    uid: owner.uid,
    gid: owner.gid,
    mtime: entry.mtime,
  };
  switch (entry.kind) {
    case 'directory':
      await writer.entry(header({ ...base, type: 'directory' }), EMPTY());
      return;
    case 'symlink':
      await writer.entry(header({ ...base, type: 'symlink', linkname: entry.linkname ?? '' }), EMPTY());
      return;
    case 'file':
      await writer.entry(header({ ...base, type: 'file', size: entry.size }), item.tree.open(sourceRel));
      return;
    default:
      // Sockets, FIFOs and devices of a context are not copied (Docker's context tar has none).
      return;
  }
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}
