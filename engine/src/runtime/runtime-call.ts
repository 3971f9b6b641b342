import { readFile, rm } from 'node:fs/promises';
import type { Logger } from '../logger.js';
import type { ProcessSpawner } from '../os/process-spawner.js';
import type { ExitStatus, RuntimeStdio } from './oci-runtime.js';
import type { PidFileWatch } from './pid-file-watch.js';
import { exitStatusOf, parseRuntimeLog, runtimeErrors } from './runtime-exit.js';

/**
 * How a TTY reaches the engine. `console-socket`: the runtime hands the terminal's master over
 * a unix socket (`--console-socket`, already in `args`) and the engine reads it itself (crun).
 * `pty`: the runtime relays the terminal onto its own stdio, a pty the engine holds (runc, which
 * accepts a console socket only with `--detach`, and whose relay drains before it exits).
 */
export type TerminalMode = { kind: 'console-socket'; socketPath: string } | { kind: 'pty' };

export interface SpawnRuntimeOptions {
  binary: string;
  args: readonly string[];
  kind: 'run' | 'exec';
  stdio: RuntimeStdio;
  terminal: TerminalMode;
  /** The runtime's `--log` file: errors in it tell a start failure from the process's own exit. */
  logFile: string;
  /** The runtime's `--pid-file` (already in `args`): how `started` is learnt. */
  pidFile: string;
  /** Removed once the process has exited (process.json). The log and pid files are removed too. */
  tempFiles: readonly string[];
  /** Resizes the terminal of the container process `pid`; `resize` settles once it has. */
  resizeInner?: (pid: number, size: { rows: number; cols: number }) => Promise<void>;
  logger: Logger;
  /** How a call with plain pipes is started; default child_process (see `ProcessSpawner`). */
  spawner?: ProcessSpawner;
}

export const RUNTIME_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };

/**
 * The end of a runtime call: settles `started` from the pid file, collects the runtime's log,
 * removes the call's files and maps the exit to the container's status.
 */
export async function finishRuntimeCall(
  options: SpawnRuntimeOptions,
  watch: PidFileWatch,
  code: number | null,
  signal: NodeJS.Signals | number | null,
): Promise<ExitStatus> {
  await watch.finish();
  let logText = '';
  try {
    logText = await readFile(options.logFile, 'utf8');
  } catch {
    // No log file: the runtime had nothing to say.
  }
  await removeCallFiles(options);
  const entries = parseRuntimeLog(logText);
  for (const entry of entries) options.logger.debug({ level: entry.level, msg: entry.msg }, 'runtime log');
  return exitStatusOf(options.kind, code, signal, runtimeErrors(entries));
}

/** Removes a call's files: its log, pid file and `tempFiles`. */
export async function removeCallFiles(options: SpawnRuntimeOptions): Promise<void> {
  await Promise.all(
    [options.logFile, options.pidFile, ...options.tempFiles].map((f) => rm(f, { force: true })),
  );
}
