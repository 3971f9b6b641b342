import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Header, pack } from 'tar-stream';
import { isErrno, NotFoundError } from '../errors.js';
import { type RootView, resolveContainerPath } from './container-path.js';
import type { PathStat } from './container-service.js';

/** Go's `os.FileMode` type bits (`docker cp` reads `mode` with Go's layout, not the unix one). */
export const GoFileMode = {
  Dir: 2 ** 31,
  Symlink: 2 ** 27,
  Device: 2 ** 26,
  NamedPipe: 2 ** 25,
  Socket: 2 ** 24,
  Setuid: 2 ** 23,
  Setgid: 2 ** 22,
  CharDevice: 2 ** 21,
  Sticky: 2 ** 20,
} as const;

export function goFileMode(st: Stats): number {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode += GoFileMode.Dir;
  else if (st.isSymbolicLink()) mode += GoFileMode.Symlink;
  else if (st.isBlockDevice()) mode += GoFileMode.Device;
  else if (st.isCharacterDevice()) mode += GoFileMode.Device + GoFileMode.CharDevice;
  else if (st.isFIFO()) mode += GoFileMode.NamedPipe;
  else if (st.isSocket()) mode += GoFileMode.Socket;
  if (st.mode & 0o4000) mode += GoFileMode.Setuid;
  if (st.mode & 0o2000) mode += GoFileMode.Setgid;
  if (st.mode & 0o1000) mode += GoFileMode.Sticky;
  return mode;
}

function notFound(containerRef: string, p: string): NotFoundError {
  return new NotFoundError(
    'container',
    containerRef,
    `Could not find the file ${p} in container ${containerRef}`,
  );
}

/** Go's `filepath.Base` for the stat `name`: `/` stays `/`, trailing slashes are ignored. */
function baseName(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '' ? '/' : path.posix.basename(trimmed);
}

/**
 * moby's `containerStatPath`: the path's parents are resolved in the container (symlinks
 * followed inside it), the last element is not; a symlink reports where it finally points.
 */
export async function statContainerPath(view: RootView, containerRef: string, p: string): Promise<PathStat> {
  const followFinal = p.endsWith('/') || p.endsWith('/.');
  const resolved = await resolveContainerPath(view, p, { followFinal });
  let st: Stats;
  try {
    st = await lstat(resolved.hostPath);
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw notFound(containerRef, p);
    throw err;
  }
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    linkTarget = (await resolveContainerPath(view, resolved.containerPath, { followFinal: true }))
      .containerPath;
  }
  return {
    name: baseName(p),
    size: st.size,
    mode: goFileMode(st),
    mtime: st.mtime.toISOString(),
    linkTarget,
  };
}

function tarType(st: Stats): Header['type'] {
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return 'file';
}

/**
 * `GET /containers/{id}/archive`: a tar whose root entry is the basename of `p` (moby rebases the
 * resolved path onto it). Directories are walked without following symlinks; sockets are skipped
 * as Docker does.
 */
export async function archiveContainerPath(
  view: RootView,
  containerRef: string,
  p: string,
): Promise<{ stat: PathStat; tar: Readable }> {
  const stat = await statContainerPath(view, containerRef, p);
  const followFinal = p.endsWith('/') || p.endsWith('/.');
  const resolved = await resolveContainerPath(view, p, { followFinal });
  const rootName = p.endsWith('/.') ? '.' : baseName(p);
  const tar = pack();
  const walk = async (hostPath: string, name: string): Promise<void> => {
    const st = await lstat(hostPath);
    if (st.isSocket()) return;
    const header: Partial<Header> & { name: string } = {
      name: st.isDirectory() ? `${name}/` : name,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: st.mtime,
      type: tarType(st),
      size: st.isFile() ? st.size : 0,
    };
    if (st.isSymbolicLink()) header.linkname = await readlink(hostPath);
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      header.devmajor = Math.floor(st.rdev / 256) & 0xfff;
      header.devminor = (st.rdev & 0xff) | (Math.floor(st.rdev / 4096) & 0xfff00);
    }
    if (st.isFile()) {
      const entry = tar.entry(header);
      await pipeline(createReadStream(hostPath), entry);
    } else {
      await new Promise<void>((resolve, reject) =>
        tar.entry(header, (err) => (err ? reject(err) : resolve())),
      );
    }
    if (st.isDirectory()) {
      const children = (await readdir(hostPath)).sort();
      for (const child of children) await walk(path.join(hostPath, child), `${name}/${child}`);
    }
  };
  // tar-stream is built on streamx; the interface promises a Node stream.
  const out = new PassThrough();
  tar.pipe(out);
  walk(resolved.hostPath, rootName).then(
    () => tar.finalize(),
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return { stat, tar: out };
}
