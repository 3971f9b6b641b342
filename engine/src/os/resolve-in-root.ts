import { constants } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, isErrno, SkiffError } from '../errors.js';

/** A path inside a container root tried to leave it, or named something that is not a plain file. */
export class UnsafePathError extends SkiffError {
  constructor(
    readonly root: string,
    readonly unsafePath: string,
    reason: string,
  ) {
    super('SKIFF_UNSAFE_PATH', `refusing ${JSON.stringify(unsafePath)} in ${root}: ${reason}`);
  }
}

const MAX_SYMLINKS = 40;

/**
 * Resolves `unsafePath` as the container would see it with `root` as `/`: symlinks (absolute or
 * relative) are followed but can never lead out of `root`, and `..` stops at `root` (moby's
 * FollowSymlinkInScope). Missing components are kept as they are. Returns a host path under `root`.
 */
export async function resolveInRoot(root: string, unsafePath: string): Promise<string> {
  const realRoot = await realpath(root);
  const pending = unsafePath.split('/');
  const resolved: string[] = [];
  let symlinks = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(realRoot, ...resolved, part);
    let isLink = false;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch (err: unknown) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++symlinks > MAX_SYMLINKS)
      throw new UnsafePathError(root, unsafePath, 'too many levels of symbolic links');
    const target = await readlink(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/'));
  }
  return path.join(realRoot, ...resolved);
}

export interface ReadInRootOptions {
  /** Refuse files larger than this (a hostile image can ship a huge /etc/passwd). Default 4 MiB. */
  maxBytes?: number;
}

/**
 * Reads a regular file inside a container root without ever following a symlink out of it.
 * Returns `undefined` when the file does not exist. After opening, the descriptor's real path is
 * checked against the root, which closes the race with a running container swapping a directory
 * for a symlink between resolution and open.
 */
export async function readFileInRoot(
  root: string,
  unsafePath: string,
  options: ReadInRootOptions = {},
): Promise<Buffer | undefined> {
  if (!path.isAbsolute(root)) throw new InvalidArgumentError(`container root must be absolute, got ${root}`);
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const realRoot = await realpath(root);
  const hostPath = await resolveInRoot(realRoot, unsafePath);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(
      hostPath,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    if (isErrno(err, 'ELOOP')) throw new UnsafePathError(root, unsafePath, 'it changed into a symbolic link');
    throw err;
  }
  try {
    const opened = await readlink(`/proc/self/fd/${handle.fd}`);
    if (opened !== realRoot && !opened.startsWith(`${realRoot}/`)) {
      throw new UnsafePathError(root, unsafePath, `it resolved to ${opened}, outside the root`);
    }
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UnsafePathError(root, unsafePath, 'it is not a regular file');
    if (stat.size > maxBytes) {
      throw new UnsafePathError(
        root,
        unsafePath,
        `it is ${stat.size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) throw new UnsafePathError(root, unsafePath, `it grew past ${maxBytes} bytes`);
    }
    return Buffer.concat(chunks, length);
  } finally {
    await handle.close();
  }
}
