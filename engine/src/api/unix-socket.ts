import { chmod, mkdir, stat, unlink } from 'node:fs/promises';
import type { Server } from 'node:net';
import { connect } from 'node:net';
import path from 'node:path';
import { ConflictError, isErrno } from '../errors.js';

/** True when something accepts connections on `socketPath`. */
export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * Listens on a unix socket that only root can use: the directory is created 0700 when missing, and
 * the socket is chmod'ed 0600 right after bind (until then the umask's 0755 already denies other
 * users, since connecting needs write permission). A socket file left by a dead engine is replaced;
 * a live one is never taken over.
 */
export async function listenOnUnixSocket(server: Server, socketPath: string): Promise<void> {
  await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  try {
    const st = await stat(socketPath);
    if (!st.isSocket()) {
      throw new ConflictError(
        `${socketPath} exists and is not a socket; remove it or choose another SKIFF_HOST`,
      );
    }
    if (await socketAnswers(socketPath)) {
      throw new ConflictError(
        `another engine already serves ${socketPath}; stop it first (skiff engine stop)`,
      );
    }
    await unlink(socketPath);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
}
