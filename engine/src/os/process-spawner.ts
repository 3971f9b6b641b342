import type { Readable, Writable } from 'node:stream';

/** What a child's fd 0/1/2 is: a pipe to the engine, /dev/null, or the engine's own. */
export type StdioKind = 'pipe' | 'ignore' | 'inherit';

export interface SpawnOptions {
  /** stdin, stdout, stderr; default all `pipe`. */
  stdio?: readonly [StdioKind, StdioKind, StdioKind];
  /** The child's whole environment; default the engine's. */
  env?: NodeJS.ProcessEnv;
  /** A new session (setsid): the engine's terminal signals (Ctrl-C) do not reach it. */
  detached?: boolean;
  cwd?: string;
}

export interface ChildExit {
  /** The exit status, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process as the engine holds it, whichever way it was started. */
export interface SpawnedProcess {
  /** 0 when nothing was started: `exited` then rejects with the reason (ENOENT: no such binary). */
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Settles when the process has exited and was reaped; its pipes may still hold output. */
  readonly exited: Promise<ChildExit>;
}

/**
 * Starts host processes. `NativeProcessSpawner` uses posix_spawn through Skiff's addon (the cost
 * does not grow with the engine's heap, and the event loop is blocked ~0.2 ms); `NodeProcessSpawner`
 * is child_process (a fork of the whole engine: 1-3 ms blocked here, more under load), the fallback.
 */
export interface ProcessSpawner {
  readonly kind: 'native' | 'node';
  spawn(file: string, args: readonly string[], options?: SpawnOptions): SpawnedProcess;
}
