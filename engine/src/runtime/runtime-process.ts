import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { RuntimeError } from '../errors.js';
import { spawnWithConsoleSocket } from './console-runtime-process.js';
import type { ExitStatus, RuntimeProcess } from './oci-runtime.js';
import { PidFileWatch } from './pid-file-watch.js';
import { spawnWithPty } from './pty-runtime-process.js';
import { finishRuntimeCall, RUNTIME_ENV, removeCallFiles, type SpawnRuntimeOptions } from './runtime-call.js';

export type { SpawnRuntimeOptions, TerminalMode } from './runtime-call.js';

function spawnWithPipes(options: SpawnRuntimeOptions): RuntimeProcess {
  const watch = new PidFileWatch(options.pidFile);
  // detached: a new session, so a Ctrl-C on the engine's terminal is not forwarded to containers.
  const child = spawn(options.binary, options.args, {
    stdio: [options.stdio.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
    env: RUNTIME_ENV,
  });
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once('error', (err) => {
      const failure = new RuntimeError(`cannot start ${options.binary}: ${err.message}`, { cause: err });
      Promise.all([watch.finish(), removeCallFiles(options)]).then(
        () => reject(failure),
        () => reject(failure),
      );
    });
    child.once('exit', (code, signal) => {
      finishRuntimeCall(options, watch, code, signal).then(resolve, reject);
    });
  });
  return {
    // No pid: spawn failed and `exited` rejects with the reason.
    pid: child.pid ?? 0,
    stdin: child.pid === undefined ? null : child.stdin,
    stdout: child.stdout ?? new PassThrough(),
    stderr: child.stderr ?? new PassThrough(),
    resize: async () => {},
    started: watch.started,
    exited,
  };
}

/** Starts a foreground `run` or `exec` of the runtime binary, attached as the engine's child. */
export function spawnRuntimeProcess(options: SpawnRuntimeOptions): RuntimeProcess {
  if (!options.stdio.tty) return spawnWithPipes(options);
  return options.terminal.kind === 'console-socket'
    ? spawnWithConsoleSocket(options, options.terminal.socketPath)
    : spawnWithPty(options);
}
