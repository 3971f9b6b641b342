import { open, readFile, rm } from 'node:fs/promises';
import { isErrno } from '../errors.js';

/**
 * A cross-process lock on one machine: the lock file is created with O_EXCL and holds the owner's
 * pid. A lock whose owner no longer exists is stale and taken over, so a crashed holder never
 * blocks anyone. Node has no flock(2); O_EXCL on a local filesystem is atomic.
 */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a live holder; 0 means try once. */
  timeoutMs?: number;
  pollMs?: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

async function tryAcquire(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o600);
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  let owner = Number.NaN;
  try {
    owner = Number((await readFile(path, 'utf8')).trim());
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return tryAcquire(path);
    throw err;
  }
  // An empty file means the owner is between open and write; treat it as live.
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !processAlive(owner)) {
    await rm(path, { force: true });
    return tryAcquire(path);
  }
  return false;
}

export class LockTimeoutError extends Error {
  readonly code = 'SKIFF_LOCK_TIMEOUT';
}

export async function acquireFileLock(path: string, options: LockOptions = {}): Promise<FileLock> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tryAcquire(path)) {
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    }
    if (Date.now() >= deadline) {
      throw new LockTimeoutError(`timed out after ${timeoutMs} ms waiting for lock ${path}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Runs `fn` while holding the lock at `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  const lock = await acquireFileLock(path, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
