import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import type { Logger } from '../logger.js';
import type { ExitStatus, OciRuntime, RuntimeProcess } from '../runtime/oci-runtime.js';
import type { CgroupPlacement, ContainerCgroups } from './container-cgroups.js';
import type { OutputStream } from './container-service.js';
import type { ContainerStdio } from './container-stdio.js';
import type { LogWriter } from './log-store.js';
import { hostProcesses, type ProcessPort } from './process-port.js';

/** How long output may trail the exit before the pipes are cut (a daemon in a shared pid ns keeps them open). */
const DRAIN_TIMEOUT_MS = 2000;
/** How long `ready` waits for the started init to exec the container's program. */
const EXEC_WAIT_MS = 2000;

export interface RunResult {
  exitCode: number;
  oomKilled: boolean;
  /** The runtime's complaint when the process could not be started or exec'd; '' otherwise. */
  error: string;
  /** Nanoseconds since the epoch. */
  finishedAt: bigint;
}

export interface SupervisorOptions {
  id: string;
  bundle: string;
  tty: boolean;
  openStdin: boolean;
  consoleSize?: { rows: number; cols: number };
  stdio: ContainerStdio;
  /** undefined with the `none` log driver. */
  log: LogWriter | undefined;
  cgroups: ContainerCgroups;
  placement: CgroupPlacement;
  runtime: OciRuntime;
  /** Host processes (default: /proc and kill(2)). */
  processes?: ProcessPort;
  logger: Logger;
  /** Nanoseconds since the epoch. */
  now: () => bigint;
}

export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') return signal;
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`).toUpperCase();
  const n = (osConstants.signals as Record<string, number | undefined>)[name];
  if (n !== undefined) return n;
  const numeric = Number(signal);
  if (Number.isInteger(numeric) && numeric > 0 && numeric < 65) return numeric;
  throw new Error(`unknown signal ${signal}`);
}

/**
 * Owns one run of a container: the foreground `crun run` process (its exit status is the
 * container's), the container's stdout/stderr (to the log and to attached sessions), stdin, and
 * the stop sequence. `exited` settles once the process is gone AND its output is fully written,
 * so a `logs` right after `wait` sees everything; an OOM kill is recognised from the parent
 * cgroup's fail counter (see `ContainerCgroups`).
 */
export class Supervisor {
  readonly exited: Promise<RunResult>;
  /** Settles when the container's init pid is known (or the run already ended); see also `ready`. */
  readonly started: Promise<void>;
  private readonly process: RuntimeProcess;
  private pid = 0;
  private done = false;
  private killedByEngine = false;
  private readonly ports: ProcessPort;
  private readiness: Promise<void> | undefined;

  constructor(private readonly options: SupervisorOptions) {
    const { runtime, id, bundle, tty, openStdin, consoleSize } = options;
    this.ports = options.processes ?? hostProcesses;
    this.process = runtime.run(id, bundle, {
      stdin: openStdin,
      tty,
      ...(consoleSize ? { consoleSize } : {}),
    });
    const outputs = [this.pump(this.process.stdout, 'stdout')];
    if (this.process.stderr) outputs.push(this.pump(this.process.stderr, 'stderr'));
    if (this.process.stdin) {
      const stdin = this.process.stdin;
      const source = options.stdio.stdinForRun();
      stdin.on('error', () => undefined);
      source.pipe(stdin);
    }
    this.exited = this.finish(outputs);
    this.started = this.process.started.then(async (started) => {
      if (started && !this.done) this.pid = started.pid;
      // Never started: the run is ending; settle once it has (`running` is then false).
      else await this.exited;
    });
  }

  /** Set when the runtime could not start the process (it never ran): Docker's code and the runtime's message. */
  startFailure: { exitCode: number; error: string } | undefined;

  get initPid(): number {
    return this.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Settles once the container's terminal has the new size. */
  resize(size: { rows: number; cols: number }): Promise<void> {
    return this.process.resize(size);
  }

  /**
   * Signals the container's init. While `crun run` lives its init pid cannot be reused (crun has
   * not reaped it), so signalling it directly is safe and saves spawning the runtime binary.
   */
  async kill(signal: string | number): Promise<void> {
    if (this.done) return;
    const sig = signalNumber(signal);
    if (sig !== osConstants.signals.SIGKILL) await this.ready();
    if (sig === osConstants.signals.SIGKILL) this.killedByEngine = true;
    if (this.pid > 0) {
      try {
        this.ports.signal(this.pid, sig);
        return;
      } catch {
        // Gone already, or not our namespace's view: ask the runtime.
      }
    }
    await this.options.runtime.kill(this.options.id, sig).catch((err: unknown) => {
      if (!this.done) throw err;
    });
  }

  /** The stop signal, then SIGKILL after `timeoutMs` (negative: wait forever); resolves after the exit. */
  async stop(signal: string, timeoutMs: number, onSignalled?: () => Promise<void>): Promise<RunResult> {
    if (!this.done) {
      await this.kill(signal).catch((err: unknown) =>
        this.options.logger.warn({ err, signal }, 'stop signal failed; killing'),
      );
      await onSignalled?.();
      if (timeoutMs >= 0) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          this.exited.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          this.options.logger.info({ timeoutMs }, 'container ignored the stop signal; sending SIGKILL');
          await this.kill('SIGKILL');
        }
      }
    }
    return this.exited;
  }

  private pump(stream: Readable, name: OutputStream): Promise<void> {
    const { log, stdio, now } = this.options;
    return new Promise<void>((resolve) => {
      stream.on('data', (data: Buffer) => {
        const timeNano = now();
        log?.write(name, data, timeNano);
        stdio.publish({ stream: name, timeNano, data });
      });
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', (err) => {
        this.options.logger.warn({ err, stream: name }, 'container output stream failed');
        resolve();
      });
    });
  }

  private async finish(outputs: Promise<void>[]): Promise<RunResult> {
    let status: ExitStatus;
    let error = '';
    try {
      status = await this.process.exited;
      error = status.error ?? '';
    } catch (err: unknown) {
      status = { exitCode: 127 };
      error = err instanceof Error ? err.message : String(err);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(outputs),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.process.stdout.destroy();
          this.process.stderr?.destroy();
          resolve();
        }, DRAIN_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.done = true;
    const exitCode = status.exitCode;
    if (error) this.startFailure = { exitCode, error };
    let oomKilled = false;
    if (this.options.placement.memoryOnParent && exitCode === 137 && !this.killedByEngine) {
      oomKilled = (await this.options.cgroups.memoryFailCount(this.options.id)) > 0;
    }
    return { exitCode, oomKilled, error, finishedAt: this.options.now() };
  }

  /**
   * Settles once the runtime reported the container started (its state written, so `exec`
   * works: see RuntimeProcess.started) and the init has exec'd the container's program (its
   * `exe` is no longer the runtime's) — what `runc start` waits for before returning. Until then
   * crun holds signals blocked (a SIGTERM to an init without a handler is then lost), so start,
   * stop, kill and exec wait for this. Settles too when the run ends. Polled with growing pauses
   * (1, 2, then 4 ms) so the engine does not compete with crun for the CPU.
   */
  ready(): Promise<void> {
    this.readiness ??= (async () => {
      await this.started;
      const ports = this.ports;
      const runtimeExe = await ports.exe(this.process.pid);
      const deadline = Date.now() + EXEC_WAIT_MS;
      let delay = 0;
      while (!this.done && this.pid > 0 && Date.now() < deadline) {
        const exe = await ports.exe(this.pid);
        if (exe !== '' && exe !== runtimeExe) return;
        if (await this.exitedWithin(delay)) return;
        delay = Math.min(delay * 2 || 1, 4);
      }
    })();
    return this.readiness;
  }

  private exitedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.exited.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }
}
