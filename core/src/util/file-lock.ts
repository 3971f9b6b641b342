import { mkdir, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isErrno, LockTimeoutError } from '../errors.js';

/**
 * A cross-process lock on one machine (pull de-duplication, reuse lookup+create). The lock file is
 * created with O_EXCL and holds the owner's pid; a lock whose owner is gone is stale and taken over,
 * so a SIGKILLed holder never blocks anyone. Node has no flock(2); O_EXCL on a local fs is atomic.
 */
export interface LockOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

async function tryAcquire(file: string): Promise<boolean> {
  try {
    const fh = await open(file, 'wx', 0o600);
    await fh.writeFile(String(process.pid));
    await fh.close();
    return true;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  let owner = Number.NaN;
  try {
    owner = Number((await readFile(file, 'utf8')).trim());
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return tryAcquire(file);
    throw err;
  }
  // An empty file means the owner is between open and write: treat it as live.
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !processAlive(owner)) {
    await rm(file, { force: true });
    return tryAcquire(file);
  }
  return false;
}

/** The directory core keeps its lock files in (`SKIFF_LOCK_DIR`, else `<tmp>/skiff-core-locks`). */
export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKIFF_LOCK_DIR ?? path.join(os.tmpdir(), 'skiff-core-locks');
}

/** Runs `fn` while holding the lock file `file` (its directory is created). */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 15;
  const until = Date.now() + timeoutMs;
  await mkdir(path.dirname(file), { recursive: true });
  while (!(await tryAcquire(file))) {
    options.signal?.throwIfAborted();
    if (Date.now() >= until) throw new LockTimeoutError(file, timeoutMs);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
