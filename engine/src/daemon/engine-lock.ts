import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError } from '../errors.js';
import { acquireFileLock, type FileLock, LockTimeoutError } from '../util/file-lock.js';

/**
 * One engine per socket: `<socket>.lock` holds the serving daemon's pid for its lifetime. A lock
 * whose owner died is taken over (the file-lock's stale-pid rule), so a crash never blocks the
 * next start; a live owner makes the start fail with a message naming it.
 */
export async function lockSocket(socketPath: string): Promise<FileLock> {
  const lockPath = `${socketPath}.lock`;
  await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  try {
    return await acquireFileLock(lockPath, { timeoutMs: 0 });
  } catch (err) {
    if (!(err instanceof LockTimeoutError)) throw err;
    const owner = (await readFile(lockPath, 'utf8').catch(() => '')).trim();
    throw new ConflictError(
      `another skiffd${owner ? ` (pid ${owner})` : ''} already serves ${socketPath}; stop it first (skiff engine stop) or set SKIFF_HOST to another socket`,
    );
  }
}
