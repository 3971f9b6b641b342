import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { errorMessage, RuntimeError } from '../errors.js';
import { ConsoleSocket } from './console-socket.js';
import type { ExitStatus, RuntimeProcess, RuntimeStarted } from './oci-runtime.js';
import { PidFileWatch } from './pid-file-watch.js';
import { finishRuntimeCall, RUNTIME_ENV, removeCallFiles, type SpawnRuntimeOptions } from './runtime-call.js';
import { TerminalRelay } from './terminal-relay.js';

/**
 * Event-loop turns to wait, once the runtime has exited, for the console it sent: its connection
 * can still sit in the listen backlog and the descriptor in the socket (the kernel has both; each
 * takes one poll phase to be read).
 */
const CONSOLE_TURNS = 4;

async function settledWithin(promise: Promise<unknown>, turns: number): Promise<void> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < turns && !settled; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A TTY call whose terminal the engine owns: the runtime (crun) sends the pty master over
 * `--console-socket` and runs with plain pipes. The output is read from the master to its close
 * (see TerminalRelay), so it ends after `exited`, and nothing written before the exit is lost.
 * The runtime binary is spawned once the socket listens: `pid` is 0 until then.
 */
class ConsoleRuntimeProcess implements RuntimeProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr = null;
  readonly started: Promise<RuntimeStarted | undefined>;
  readonly exited: Promise<ExitStatus>;
  private readonly relay = new TerminalRelay();
  private readonly watch: PidFileWatch;
  private runtimePid = 0;
  private done = false;

  constructor(
    private readonly options: SpawnRuntimeOptions,
    socketPath: string,
  ) {
    this.watch = new PidFileWatch(options.pidFile);
    this.started = this.watch.started;
    this.stdout = this.relay.output;
    this.stdin = options.stdio.stdin ? this.relay.input : null;
    this.exited = this.run(socketPath);
  }

  get pid(): number {
    return this.runtimePid;
  }

  async resize(size: { rows: number; cols: number }): Promise<void> {
    const inner = this.options.resizeInner;
    if (this.done || !inner) return;
    const started = await this.started;
    if (!started || this.done) return;
    await inner(started.pid, size).catch((err: unknown) =>
      this.options.logger.debug({ err: errorMessage(err) }, 'console resize failed'),
    );
  }

  private async run(socketPath: string): Promise<ExitStatus> {
    const { binary, args, logger } = this.options;
    let socket: ConsoleSocket;
    try {
      socket = await ConsoleSocket.open(socketPath);
    } catch (err: unknown) {
      await this.end();
      throw err;
    }
    void socket.master.then((fd) => {
      if (fd !== undefined) this.relay.attach(fd);
    });
    // detached: a new session, so a Ctrl-C on the engine's terminal is not forwarded to containers.
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: RUNTIME_ENV,
    });
    this.runtimePid = child.pid ?? 0;
    // The runtime's own words (it logs to --log; this is only what it printed regardless).
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (data: Buffer) => logger.debug({ output: data.toString('utf8') }, 'runtime output'));
    }
    let code: number | null;
    let signal: NodeJS.Signals | null;
    try {
      [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (c, s) => resolve([c, s]));
      });
    } catch (err: unknown) {
      await socket.close();
      await this.end();
      throw new RuntimeError(`cannot start ${binary}: ${errorMessage(err)}`, { cause: err });
    }
    await settledWithin(socket.master, CONSOLE_TURNS);
    await socket.close();
    this.done = true;
    this.relay.processExited();
    return finishRuntimeCall(this.options, this.watch, code, signal);
  }

  /** Nothing ran: `started` and the output settle, the call's files go. */
  private async end(): Promise<void> {
    this.done = true;
    await this.watch.finish();
    this.relay.abandon();
    await removeCallFiles(this.options);
  }
}

/** Starts a foreground TTY `run` or `exec` whose console comes over `socketPath` (in `options.args`). */
export function spawnWithConsoleSocket(options: SpawnRuntimeOptions, socketPath: string): RuntimeProcess {
  return new ConsoleRuntimeProcess(options, socketPath);
}
