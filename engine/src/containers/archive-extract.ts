import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { InvalidArgumentError, isErrno, NotFoundError, UnsafeArchiveError } from '../errors.js';
import { type RootView, resolveContainerPath } from './container-path.js';

export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory or the reverse (`docker cp` sets this). */
  noOverwriteDirNonDir: boolean;
  /** Owner for every entry (`copyUIDGID`: the container user); otherwise the tar headers' owners. */
  owner?: { uid: number; gid: number };
}

/** A tar entry name as a clean relative path; `undefined` for the archive root itself. */
export function cleanEntryName(raw: string): string | undefined {
  const normalised = path.posix.normalize(`/${raw}`).slice(1).replace(/\/+$/, '');
  if (normalised === '' || normalised === '.') return undefined;
  // normalize() of an absolute path never leaves `..`, but a raw `..` component means the archive
  // wanted out: refuse it instead of silently clamping (moby's breakout check does the same).
  if (raw.split('/').includes('..')) throw new UnsafeArchiveError(raw, 'the name contains ".."');
  return normalised;
}

async function peekCompression(input: Readable): Promise<Readable> {
  const head = new PassThrough();
  let decided = false;
  return new Promise<Readable>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (decided) return;
      decided = true;
      input.pause();
      input.off('data', onData);
      input.off('end', onEnd);
      input.unshift(chunk);
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) resolve(input.pipe(createGunzip()));
      else if (
        chunk.subarray(0, 3).toString('latin1') === 'BZh' ||
        chunk.subarray(1, 5).toString('latin1') === '7zXZ'
      ) {
        reject(
          new InvalidArgumentError(
            'the archive is bzip2 or xz compressed: send a plain or gzip-compressed tar',
          ),
        );
      } else resolve(input);
    };
    const onEnd = () => {
      if (!decided) {
        decided = true;
        head.end();
        resolve(head);
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', reject);
  });
}

/** A tar entry's body (a streamx Readable): read it to the end or resume it to skip. */
interface EntryBody {
  resume(): unknown;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

async function existing(hostPath: string) {
  try {
    return await lstat(hostPath);
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/**
 * `PUT /containers/{id}/archive`: extracts a (possibly gzip-compressed) tar into the directory
 * `dir` of the container. Every entry's parent is resolved inside the container's view, so
 * neither `..` names, absolute names, symlinks already in the container nor symlinks from earlier
 * entries can place a file outside it; an existing symlink at an entry's own path is replaced,
 * never followed. Hard links must point inside the archive's destination. Device nodes are refused.
 */
export async function extractIntoContainer(
  view: RootView,
  containerRef: string,
  dir: string,
  input: Readable,
  options: ExtractOptions,
): Promise<void> {
  const dest = await resolveContainerPath(view, dir, { followFinal: true });
  const destStat = await existing(dest.hostPath);
  if (!destStat) {
    throw new NotFoundError(
      'container',
      containerRef,
      `Could not find the file ${dir} in container ${containerRef}`,
    );
  }
  if (!destStat.isDirectory()) {
    throw new InvalidArgumentError(
      `extraction point is not a directory: ${dir} in container ${containerRef}`,
    );
  }
  const dirTimes: { hostPath: string; mtime: Date }[] = [];
  const tarStream = await peekCompression(input);
  const ex = extract();

  const place = async (name: string, header: Header): Promise<string> => {
    const containerTarget = path.posix.join(dest.containerPath, name);
    const parent = await resolveContainerPath(view, path.posix.dirname(containerTarget), {
      followFinal: true,
    });
    await mkdir(parent.hostPath, { recursive: true });
    const parentStat = await lstat(parent.hostPath);
    if (!parentStat.isDirectory()) {
      throw new UnsafeArchiveError(header.name, `its parent ${parent.containerPath} is not a directory`);
    }
    const hostPath = path.join(parent.hostPath, path.posix.basename(containerTarget));
    const old = await existing(hostPath);
    const isDir = header.type === 'directory';
    if (old) {
      if (old.isDirectory() && isDir) return hostPath;
      if (options.noOverwriteDirNonDir && old.isDirectory() !== isDir) {
        throw new InvalidArgumentError(
          `cannot overwrite ${old.isDirectory() ? 'directory' : 'non-directory'} ${containerTarget} with ${isDir ? 'directory' : 'non-directory'}`,
        );
      }
      await rm(hostPath, { recursive: true, force: true });
    }
    return hostPath;
  };

  const applyEntry = async (header: Header, body: EntryBody): Promise<void> => {
    const name = cleanEntryName(header.name);
    const uid = options.owner?.uid ?? header.uid;
    const gid = options.owner?.gid ?? header.gid;
    const mode = header.mode & 0o7777;
    const mtime = header.mtime ?? new Date();
    if (name === undefined) {
      body.resume();
      return;
    }
    const hostPath = await place(name, header);
    switch (header.type) {
      case 'directory':
        await mkdir(hostPath, { recursive: true });
        body.resume();
        await lchown(hostPath, uid, gid);
        await chmod(hostPath, mode);
        dirTimes.push({ hostPath, mtime });
        return;
      case 'file':
      case 'contiguous-file':
        {
          // O_EXCL | O_NOFOLLOW: `place` removed what was there; anything new at the path is refused.
          const fh = await open(
            hostPath,
            constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
            mode,
          );
          try {
            for await (const chunk of body) await fh.write(chunk as Buffer);
          } finally {
            await fh.close();
          }
        }
        await lchown(hostPath, uid, gid);
        await chmod(hostPath, mode);
        await utimes(hostPath, mtime, mtime);
        return;
      case 'symlink':
        body.resume();
        await symlink(header.linkname ?? '', hostPath);
        await lchown(hostPath, uid, gid);
        await lutimes(hostPath, mtime, mtime);
        return;
      case 'link': {
        body.resume();
        const linkName = cleanEntryName(header.linkname ?? '');
        if (linkName === undefined)
          throw new UnsafeArchiveError(header.name, 'hard link to the archive root');
        const source = await resolveContainerPath(view, path.posix.join(dest.containerPath, linkName), {
          followFinal: false,
        });
        const st = await existing(source.hostPath);
        if (!st || st.isDirectory()) {
          throw new UnsafeArchiveError(
            header.name,
            `hard link target ${header.linkname} is missing or a directory`,
          );
        }
        await link(source.hostPath, hostPath);
        return;
      }
      default:
        body.resume();
        throw new UnsafeArchiveError(
          header.name,
          `entries of type ${header.type} are not extracted into containers`,
        );
    }
  };

  ex.on('entry', (header, body, next) => {
    applyEntry(header, body).then(
      () => next(),
      (err: unknown) => {
        body.resume();
        next(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ex.on('finish', () => resolve());
      ex.on('error', reject);
      tarStream.on('error', reject);
      tarStream.pipe(ex as unknown as NodeJS.WritableStream);
    });
  } catch (err: unknown) {
    if (err instanceof UnsafeArchiveError || err instanceof InvalidArgumentError) throw err;
    if (isErrno(err, 'EROFS')) {
      throw new InvalidArgumentError(`container rootfs is marked read-only: cannot extract into ${dir}`);
    }
    throw new InvalidArgumentError(`cannot extract the archive into ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Directory times last: writing their entries changed them.
  for (const d of dirTimes.reverse()) await utimes(d.hostPath, d.mtime, d.mtime).catch(() => undefined);
}
