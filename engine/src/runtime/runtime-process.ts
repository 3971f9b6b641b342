import { PassThrough } from 'node:stream';
import { errorMessage, RuntimeError } from '../errors.js';
import { NodeProcessSpawner } from '../os/node-process-spawner.js';
import { spawnWithConsoleSocket } from './console-runtime-process.js';
import type { RuntimeProcess } from './oci-runtime.js';
import { PidFileWatch } from './pid-file-watch.js';
import { spawnWithPty } from './pty-runtime-process.js';
import { finishRuntimeCall, RUNTIME_ENV, removeCallFiles, type SpawnRuntimeOptions } from './runtime-call.js';

export type { SpawnRuntimeOptions, TerminalMode } from './runtime-call.js';

function spawnWithPipes(options: SpawnRuntimeOptions): RuntimeProcess {
  const watch = new PidFileWatch(options.pidFile);
  // detached: a new session, so a Ctrl-C on the engine's terminal is not forwarded to containers.
  const child = (options.spawner ?? new NodeProcessSpawner()).spawn(options.binary, options.args, {
    stdio: [options.stdio.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: true,
    env: RUNTIME_ENV,
  });
  const exited = child.exited.then(
    ({ code, signal }) => finishRuntimeCall(options, watch, code, signal),
    async (err: unknown) => {
      const failure = new RuntimeError(`cannot start ${options.binary}: ${errorMessage(err)}`, {
        cause: err,
      });
      await Promise.all([watch.finish(), removeCallFiles(options)]).catch(() => undefined);
      throw failure;
    },
  );
  return {
    // No pid: spawn failed and `exited` rejects with the reason.
    pid: child.pid,
    stdin: child.pid === 0 ? null : child.stdin,
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
