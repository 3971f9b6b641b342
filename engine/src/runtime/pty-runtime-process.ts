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
 * Makes the pty transparent before the runtime starts (raw, no echo, no NL→CRNL). runc clears
 * ONLCR on the container's console once it has received it and leaves the conversion to this
 * outer terminal; a process that wrote before that had its newlines converted twice (`\r\r\n`).
 * Here the outer terminal converts nothing, and `onlcr` below does it once, either way.
 */
const TRANSPARENT_THEN_EXEC = 'stty raw -echo -onlcr && exec "$0" "$@"';

/** A terminal's ONLCR (NL → CR NL) over a stream's chunks, leaving an NL that follows a CR as it is. */
export function onlcr(): (chunk: Buffer) => Buffer {
  let afterCr = false;
  return (chunk) => {
    let bare = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a && !(i === 0 ? afterCr : chunk[i - 1] === 0x0d)) bare++;
    }
    const out = bare === 0 ? chunk : Buffer.alloc(chunk.length + bare);
    if (bare > 0) {
      let o = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i] as number;
        if (b === 0x0a && !(i === 0 ? afterCr : chunk[i - 1] === 0x0d)) out[o++] = 0x0d;
        out[o++] = b;
      }
    }
    if (chunk.length > 0) afterCr = chunk[chunk.length - 1] === 0x0d;
    return out;
  };
}

/**
 * The runtime on a pseudo-terminal the engine holds (runc: `terminal: true` in the foreground
 * needs a controlling terminal, and runc relays its console onto it). Output is one merged
 * stream; node-pty reports the exit only after the pty's last byte was read. Resizing the pty
 * reaches runc through SIGWINCH; `resizeInner` applies it to the container's terminal before `resize`
 * settles.
 */
export function spawnWithPty(options: SpawnRuntimeOptions): RuntimeProcess {
  const size = options.stdio.consoleSize ?? DEFAULT_CONSOLE_SIZE;
  let pty: IPty;
  try {
    pty = loadNodePty().spawn('/bin/sh', ['-c', TRANSPARENT_THEN_EXEC, options.binary, ...options.args], {
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
  const toCrlf = onlcr();
  pty.onData((data: string | Buffer) => stdout.write(toCrlf(Buffer.from(data))));
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
