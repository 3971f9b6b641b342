import type { Digest } from '../content/digest.js';
import { DigestMismatchError, InvalidArgumentError, SkiffError, UnsafeArchiveError } from '../errors.js';
import type { WhiteoutMode } from './layer-writer.js';
import type { UnpackedLayer } from './unpack-layer.js';

/** The unpack options that cross a thread boundary (no ports: the worker uses the host's). */
export interface WorkerUnpackOptions {
  expectedDiffId?: Digest;
  whiteouts?: WhiteoutMode;
  devices?: 'reject' | 'skip';
}

/** The diff options that cross a thread boundary (`diffDirectory`'s, with the mtime as a number). */
export interface WorkerDiffOptions {
  overlay?: boolean;
  /** Milliseconds since the epoch (`DiffDirectoryOptions.clampMtime`). */
  clampMtimeMs?: number;
}

/** Main thread → unpack worker. One job at a time per worker; `job` tells stale messages apart. */
export type ToWorker =
  | { type: 'start'; job: number; dir: string; options: WorkerUnpackOptions }
  /** Archive `dir` as a layer tar (`diffDirectory`) and send its bytes back as `tar` messages. */
  | { type: 'diff'; job: number; dir: string; options: WorkerDiffOptions }
  /** Tar bytes the main thread has taken in: the worker's window reopens by that much. */
  | { type: 'taken'; job: number; bytes: number }
  /** Blob bytes; the buffer is transferred, not copied. */
  | { type: 'data'; job: number; chunk: Uint8Array }
  | { type: 'end'; job: number }
  /** The blob stream failed, or the diff's reader went away: stop and answer `failed`. */
  | { type: 'abort'; job: number; error: SerializedError };

/** Unpack worker → main thread. */
export type FromWorker =
  /** Blob bytes the unpacker has taken in: the sender's window reopens by that much. */
  | { type: 'credit'; job: number; bytes: number }
  | { type: 'done'; job: number; result: UnpackedLayer }
  /** Tar bytes of a diff; the buffer is transferred, not copied. */
  | { type: 'tar'; job: number; chunk: Uint8Array }
  /** The diff's last bytes were sent. */
  | { type: 'tar-end'; job: number }
  | { type: 'failed'; job: number; error: SerializedError };

/** An error as plain data: errors lose their class and own properties in postMessage. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  expected?: string;
  actual?: string;
  entry?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & Partial<Record<keyof SerializedError, unknown>>;
  const out: SerializedError = { name: e.name, message: e.message, stack: e.stack };
  for (const key of ['code', 'syscall', 'path', 'expected', 'actual', 'entry'] as const) {
    if (typeof e[key] === 'string') out[key] = e[key] as string;
  }
  if (typeof e.errno === 'number') out.errno = e.errno;
  return out;
}

/**
 * Rebuilds the error classes callers branch on (`instanceof DigestMismatchError`, `code` of a
 * SkiffError, errno codes such as ENOSPC); the message and stack are the worker's.
 */
export function deserializeError(s: SerializedError): Error {
  let err: Error;
  if (s.name === 'DigestMismatchError') {
    err = new DigestMismatchError(s.expected ?? '', s.actual ?? '', '');
  } else if (s.name === 'UnsafeArchiveError') {
    err = new UnsafeArchiveError(s.entry ?? '', '');
  } else if (s.name === 'InvalidArgumentError') {
    err = new InvalidArgumentError(s.message);
  } else if (s.code?.startsWith('SKIFF_')) {
    err = new SkiffError(s.code, s.message);
  } else {
    err = Object.assign(new Error(s.message), {
      ...(s.code !== undefined ? { code: s.code } : {}),
      ...(s.errno !== undefined ? { errno: s.errno } : {}),
      ...(s.syscall !== undefined ? { syscall: s.syscall } : {}),
      ...(s.path !== undefined ? { path: s.path } : {}),
    });
  }
  err.message = s.message;
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}
