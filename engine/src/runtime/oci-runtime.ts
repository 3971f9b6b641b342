import type { Readable, Writable } from 'node:stream';
import type { RuntimeName } from '../config.js';
import type { OciResources, OciSpec } from './oci-spec-types.js';

export interface ExitStatus {
  /** The container process's exit code; 128+N when it died of signal N (Docker's convention). */
  exitCode: number;
  signal?: NodeJS.Signals;
  /**
   * Set when the runtime could not start the process at all (missing executable, bad config):
   * its error message. `exitCode` is then Docker's 127 (not found), 126 (not executable) or 128.
   */
  error?: string;
}

export interface RuntimeStdio {
  /** Give the process a stdin pipe (or the PTY's input when `tty`). */
  stdin: boolean;
  /** Run under a pseudo-terminal: one merged output stream, resizable. */
  tty: boolean;
  consoleSize?: { rows: number; cols: number };
}

/** The process a runtime call started: the container's init (`run`) or the exec'd process. */
export interface RuntimeStarted {
  /** Its pid in the host's pid namespace. */
  pid: number;
}

/**
 * A runtime invocation the engine holds on to: `crun run` or `crun exec` in the foreground.
 * Order of events: `started` (the container process exists), then `exited` (it is gone, with
 * its status), and `stdout`/`stderr` end once everything it wrote has been read — after
 * `exited` for a TTY, whose terminal is read to its close.
 */
export interface RuntimeProcess {
  /**
   * Pid of the runtime process (crun/runc), not of the container's process. 0 until the runtime
   * binary is spawned: a TTY call may first set up its console socket; `started` settles later.
   */
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  /** null under a TTY: the terminal merges stderr into stdout. */
  readonly stderr: Readable | null;
  /**
   * Resizes the terminal (no-op without one); settles once the container's terminal has the new
   * size, so output that follows sees it. A failure is logged, not thrown: the container goes on.
   */
  resize(size: { rows: number; cols: number }): Promise<void>;
  /**
   * Settles once the runtime reports the container process started (its pid file), with its
   * pid; with `undefined` if the call ended before that (a start failure, a killed runtime).
   * Never rejects.
   */
  readonly started: Promise<RuntimeStarted | undefined>;
  /** Settles when the process exits; rejects only if it could not be started. */
  readonly exited: Promise<ExitStatus>;
}

export interface RuntimeState {
  id: string;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  /** Pid of the container's init in the host pid namespace; 0 when not running. */
  pid: number;
  bundle: string;
}

/**
 * The OCI runtime binary (crun, or runc as fallback) behind a narrow port. Implementations shell
 * out to the binary with a state root private to this engine, so engines never see each other's
 * containers. A recording fake exists for unit tests.
 */
export interface OciRuntime {
  readonly name: RuntimeName;
  readonly version: string;
  /** `run --bundle`: creates and starts the container; the returned process lives as long as it. */
  run(id: string, bundle: string, stdio: RuntimeStdio): RuntimeProcess;
  /** `exec --process`: runs `process` (an OCI process object) in the running container. */
  exec(id: string, process: object, stdio: RuntimeStdio): RuntimeProcess;
  kill(id: string, signal: NodeJS.Signals | number, options?: { all?: boolean }): Promise<void>;
  delete(id: string, options?: { force?: boolean }): Promise<void>;
  state(id: string): Promise<RuntimeState | undefined>;
  list(): Promise<RuntimeState[]>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /**
   * `update --resources`: changes the cgroup limits of a running container (`docker update`).
   * Optional: a runtime without it cannot update running containers (the new limits then apply
   * from the next start).
   */
  update?(id: string, resources: OciResources): Promise<void>;
  /**
   * Optional runtime-specific finishing of a config.json before the bundle is written (crun: a
   * precompiled seccomp filter, which saves 10–20 ms per start). Callers that skip it still work.
   */
  prepareSpec?(spec: OciSpec): Promise<OciSpec>;
}
