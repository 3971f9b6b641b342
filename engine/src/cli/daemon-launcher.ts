import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { socketAnswers } from '../api/unix-socket.js';
import { acquireFileLock } from '../util/file-lock.js';

/** Where the daemon's own files live, derived from the same config the daemon reads. */
export interface LaunchPaths {
  socketPath: string;
  stateDir: string;
}

/** `engine/bin/skiffd.js`, found from this file in `dist/cli/` (or `src/cli/` under vitest). */
export function daemonEntry(): string {
  return process.env.SKIFFD_PATH ?? fileURLToPath(new URL('../../bin/skiffd.js', import.meta.url));
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts `skiffd` in the background when no engine answers. Concurrent CLI calls race here, so
 * the start happens under a lock next to the socket: the first caller starts the daemon and waits
 * for its socket, the others find it answering once they get the lock. (skiffd itself also refuses
 * to start twice on one socket.) Returns the new daemon's pid, or undefined if another caller
 * started it.
 */
export async function startDaemon(
  paths: LaunchPaths,
  options: { timeoutMs?: number; extraArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<number | undefined> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  mkdirSync(path.dirname(paths.socketPath), { recursive: true, mode: 0o700 });
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const lock = await acquireFileLock(`${paths.socketPath}.start.lock`, { timeoutMs });
  try {
    if (await socketAnswers(paths.socketPath, 500)) return undefined;
    const outFile = path.join(paths.stateDir, 'skiffd.out');
    const out = openSync(outFile, 'a', 0o600);
    const child = spawn(process.execPath, [daemonEntry(), '--detached', ...(options.extraArgs ?? [])], {
      detached: true,
      stdio: ['ignore', out, out],
      env: options.env ?? process.env,
    });
    closeSync(out);
    const pid = child.pid;
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    });
    child.once('error', (err) => {
      exited = `could not be started: ${err.message}`;
    });
    child.unref();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await socketAnswers(paths.socketPath, 500)) return pid;
      if (exited) {
        throw new Error(
          `skiffd ${exited} before serving ${paths.socketPath}:\n${tail(outFile)}\n(see ${outFile})`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`skiffd did not open ${paths.socketPath} within ${timeoutMs} ms; see ${outFile}`);
  } finally {
    await lock.release();
  }
}
