import { PassThrough } from 'node:stream';
import type { RuntimeName } from '../config.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type {
  ExitStatus,
  OciRuntime,
  RuntimeProcess,
  RuntimeStarted,
  RuntimeState,
  RuntimeStdio,
} from './oci-runtime.js';
import { signalName, signalNumber } from './runtime-exit.js';

export type RuntimeCall =
  | { op: 'run'; id: string; bundle: string; stdio: RuntimeStdio }
  | { op: 'exec'; id: string; process: object; stdio: RuntimeStdio }
  | { op: 'kill'; id: string; signal: number; all: boolean }
  | { op: 'delete' | 'pause' | 'resume'; id: string };

/**
 * A container (or exec) process the test drives: write output, then `exit`. It starts at once
 * (`started` settles with `containerPid` on the next microtask) unless it exited before.
 */
export class FakeRuntimeProcess implements RuntimeProcess {
  readonly stdin: PassThrough | null;
  readonly stdout = new PassThrough();
  readonly stderr: PassThrough | null;
  readonly started: Promise<RuntimeStarted | undefined>;
  readonly exited: Promise<ExitStatus>;
  readonly resizes: { rows: number; cols: number }[] = [];
  private settle!: (status: ExitStatus) => void;
  private start!: (started: RuntimeStarted | undefined) => void;
  done = false;

  constructor(
    readonly pid: number,
    stdio: RuntimeStdio,
    readonly containerPid = pid + 100_000,
  ) {
    this.stdin = stdio.stdin ? new PassThrough() : null;
    this.stderr = stdio.tty ? null : new PassThrough();
    this.exited = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.started = new Promise((resolve) => {
      this.start = resolve;
    });
    queueMicrotask(() => this.start(this.done ? undefined : { pid: containerPid }));
  }

  async resize(size: { rows: number; cols: number }): Promise<void> {
    this.resizes.push(size);
  }

  exit(status: ExitStatus): void {
    if (this.done) return;
    this.done = true;
    this.start(undefined);
    this.stdout.end();
    this.stderr?.end();
    this.settle(status);
  }
}

/**
 * A fake OciRuntime for unit tests of the supervisor and container service: records every call,
 * keeps container states, and behaves like crun where it matters — PID 1 ignores SIGTERM unless
 * `honourSigterm`, SIGKILL ends it with 137, `run` of a running id conflicts.
 */
export class RecordingOciRuntime implements OciRuntime {
  readonly name: RuntimeName = 'crun';
  readonly version = 'fake';
  readonly calls: RuntimeCall[] = [];
  readonly processes = new Map<string, FakeRuntimeProcess>();
  readonly execs: FakeRuntimeProcess[] = [];
  /** When true, SIGTERM ends the container with 143 (an init that handles it). */
  honourSigterm = false;
  /** The pid each started process gets in the host's pid namespace. */
  containerPidFor: (runtimePid: number) => number = (pid) => pid + 100_000;
  private readonly states = new Map<string, RuntimeState>();
  private nextPid = 1000;

  run(id: string, bundle: string, stdio: RuntimeStdio): RuntimeProcess {
    this.calls.push({ op: 'run', id, bundle, stdio });
    if (this.states.has(id)) throw new ConflictError(`container ${id} already exists in the runtime`);
    const pid = this.nextPid++;
    const proc = new FakeRuntimeProcess(pid, stdio, this.containerPidFor(pid));
    this.processes.set(id, proc);
    this.states.set(id, { id, status: 'running', pid: proc.containerPid, bundle });
    proc.exited.then(() => this.states.delete(id));
    return proc;
  }

  exec(id: string, process: object, stdio: RuntimeStdio): RuntimeProcess {
    this.calls.push({ op: 'exec', id, process, stdio });
    const pid = this.nextPid++;
    const proc = new FakeRuntimeProcess(pid, stdio, this.containerPidFor(pid));
    if (this.states.get(id)?.status !== 'running') {
      proc.exit({ exitCode: 128, error: `container ${id} is not running` });
    }
    this.execs.push(proc);
    return proc;
  }

  async kill(id: string, signal: NodeJS.Signals | number, options: { all?: boolean } = {}): Promise<void> {
    const signo = signalNumber(signal);
    this.calls.push({ op: 'kill', id, signal: signo, all: options.all === true });
    const state = this.states.get(id);
    if (!state) throw new NotFoundError('container', id);
    const proc = this.processes.get(id);
    const name = signalName(signo);
    if (signo === 9 || (signo === 15 && this.honourSigterm))
      proc?.exit({ exitCode: 128 + signo, ...(name ? { signal: name } : {}) });
  }

  async delete(id: string): Promise<void> {
    this.calls.push({ op: 'delete', id });
    this.states.delete(id);
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const state = this.states.get(id);
    return state && { ...state };
  }

  async list(): Promise<RuntimeState[]> {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  async pause(id: string): Promise<void> {
    this.calls.push({ op: 'pause', id });
    this.setStatus(id, 'paused');
  }

  async resume(id: string): Promise<void> {
    this.calls.push({ op: 'resume', id });
    this.setStatus(id, 'running');
  }

  private setStatus(id: string, status: RuntimeState['status']): void {
    const state = this.states.get(id);
    if (!state) throw new NotFoundError('container', id);
    state.status = status;
  }
}
