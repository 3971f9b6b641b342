import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import type { IPty } from 'node-pty';
import { errorMessage, RuntimeError } from '../errors.js';
import { DEFAULT_CONSOLE_SIZE } from './oci-process.js';
import type { ExitStatus, RuntimeProcess } from './oci-runtime.js';
import { PidFileWatch } from './pid-file-watch.js';
import { finishRuntimeCall, RUNTIME_ENV, type SpawnRuntimeOptions } from './runtime-call.js';

type NodePty = typeof import('node-pty');

/** node-pty is native: required on the first TTY call, not when the engine starts (require caches it). */
function loadNodePty(): NodePty {
  return createRequire(import.meta.url)('node-pty') as NodePty;
}

/**
 * Puts the pty in raw mode before the runtime starts. runc does it itself only once the
 * container's console arrived, concurrently with the container's first output, which then went
 * through this pty's output processing too (`\r\n` became `\r\r\n`) and typed input was echoed.
 */
const RAW_THEN_EXEC = 'stty raw -echo && exec "$0" "$@"';

/**
 * The runtime on a pseudo-terminal the engine holds (runc: `terminal: true` in the foreground
 * needs a controlling terminal, and runc relays its console onto it). Output is one merged
 * stream; node-pty reports the exit only after the pty's last byte was read. Resizing the pty
 * reaches runc through SIGWINCH, and a runtime that ignores it through `resizeInner`.
 */
export function spawnWithPty(options: SpawnRuntimeOptions): RuntimeProcess {
  const size = options.stdio.consoleSize ?? DEFAULT_CONSOLE_SIZE;
  let pty: IPty;
  try {
    pty = loadNodePty().spawn('/bin/sh', ['-c', RAW_THEN_EXEC, options.binary, ...options.args], {
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
    return {
      pid: 0,
      stdin: null,
      stdout: new PassThrough(),
      stderr: null,
      resize: async () => {},
      started: Promise.resolve(undefined),
      exited: failed,
    };
  }
  const watch = new PidFileWatch(options.pidFile);
  const stdout = new PassThrough();
  pty.onData((data: string | Buffer) => stdout.write(data));
  let done = false;
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    pty.onExit(({ exitCode, signal }) => {
      done = true;
      stdout.end();
      finishRuntimeCall(options, watch, signal ? null : exitCode, signal ? signal : null).then(
        resolve,
        reject,
      );
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
    resize: async (next) => {
      if (done) return;
      pty.resize(next.cols, next.rows);
      const inner = options.resizeInner;
      if (!inner) return;
      const started = await watch.started;
      if (!started || done) return;
      await inner(started.pid, next).catch((err: unknown) =>
        options.logger.debug({ err: errorMessage(err) }, 'inner console resize failed'),
      );
    },
    started: watch.started,
    exited,
  };
}
