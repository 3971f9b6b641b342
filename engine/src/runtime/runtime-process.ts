import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import type { IPty } from 'node-pty';
import { errorMessage, RuntimeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ExitStatus, RuntimeProcess, RuntimeStdio } from './oci-runtime.js';
import { exitStatusOf, parseRuntimeLog, runtimeErrors } from './runtime-exit.js';

type NodePty = typeof import('node-pty');
let nodePty: NodePty | undefined;

/** node-pty is native: load it on the first TTY container, not when the engine starts. */
function loadNodePty(): NodePty {
  nodePty ??= createRequire(import.meta.url)('node-pty') as NodePty;
  return nodePty;
}

export interface SpawnRuntimeOptions {
  binary: string;
  args: readonly string[];
  kind: 'run' | 'exec';
  stdio: RuntimeStdio;
  /** The runtime's `--log` file: errors in it tell a start failure from the process's own exit. */
  logFile: string;
  /** Removed once the process has exited (process.json, pid file). */
  tempFiles: readonly string[];
  /** Resizes the container's own console after the outer PTY (crun ignores SIGWINCH). */
  resizeInner?: (size: { rows: number; cols: number }) => Promise<void>;
  logger: Logger;
}

const RUNTIME_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };

async function finish(
  options: SpawnRuntimeOptions,
  code: number | null,
  signal: NodeJS.Signals | number | null,
): Promise<ExitStatus> {
  let logText = '';
  try {
    logText = await readFile(options.logFile, 'utf8');
  } catch {
    // No log file: the runtime had nothing to say.
  }
  await Promise.all([options.logFile, ...options.tempFiles].map((f) => rm(f, { force: true })));
  const entries = parseRuntimeLog(logText);
  for (const entry of entries) options.logger.debug({ level: entry.level, msg: entry.msg }, 'runtime log');
  return exitStatusOf(options.kind, code, signal, runtimeErrors(entries));
}

function spawnWithPipes(options: SpawnRuntimeOptions): RuntimeProcess {
  // detached: a new session, so a Ctrl-C on the engine's terminal is not forwarded to containers.
  const child = spawn(options.binary, options.args, {
    stdio: [options.stdio.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
    env: RUNTIME_ENV,
  });
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new RuntimeError(`cannot start ${options.binary}: ${err.message}`, { cause: err })),
    );
    child.once('exit', (code, signal) => {
      finish(options, code, signal).then(resolve, reject);
    });
  });
  if (child.pid === undefined) {
    // spawn failed synchronously enough that no pid exists; `exited` rejects with the reason.
    return {
      pid: 0,
      stdin: null,
      stdout: child.stdout ?? new PassThrough(),
      stderr: child.stderr ?? new PassThrough(),
      resize: () => {},
      exited,
    };
  }
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout as NonNullable<typeof child.stdout>,
    stderr: child.stderr as NonNullable<typeof child.stderr>,
    resize: () => {},
    exited,
  };
}

/**
 * crun and runc need a controlling terminal for `terminal: true`: the runtime runs on a PTY whose
 * master we hold. Output is one merged stream; resizing the PTY reaches runc through SIGWINCH,
 * and crun through `resizeInner`.
 */
function spawnWithPty(options: SpawnRuntimeOptions): RuntimeProcess {
  const size = options.stdio.consoleSize ?? { rows: 24, cols: 80 };
  let pty: IPty;
  try {
    pty = loadNodePty().spawn(options.binary, [...options.args], {
      name: 'xterm',
      cols: size.cols,
      rows: size.rows,
      cwd: '/',
      env: RUNTIME_ENV,
      encoding: null,
    });
  } catch (err: unknown) {
    const failed = Promise.reject(
      new RuntimeError(`cannot start ${options.binary} on a pty: ${errorMessage(err)}`),
    );
    return { pid: 0, stdin: null, stdout: new PassThrough(), stderr: null, resize: () => {}, exited: failed };
  }
  const stdout = new PassThrough();
  pty.onData((data: string | Buffer) => stdout.write(data));
  let done = false;
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    pty.onExit(({ exitCode, signal }) => {
      done = true;
      stdout.end();
      finish(options, signal ? null : exitCode, signal ? signal : null).then(resolve, reject);
    });
  });
  const stdin = options.stdio.stdin
    ? new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (!done) pty.write(chunk);
          callback();
        },
      })
    : null;
  return {
    pid: pty.pid,
    stdin,
    stdout,
    stderr: null,
    resize: (next) => {
      if (done) return;
      pty.resize(next.cols, next.rows);
      options
        .resizeInner?.(next)
        .catch((err: unknown) =>
          options.logger.debug({ err: errorMessage(err) }, 'inner console resize failed'),
        );
    },
    exited,
  };
}

/** Starts a foreground `run` or `exec` of the runtime binary, attached as the engine's child. */
export function spawnRuntimeProcess(options: SpawnRuntimeOptions): RuntimeProcess {
  return options.stdio.tty ? spawnWithPty(options) : spawnWithPipes(options);
}
