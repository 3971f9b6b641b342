import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { diffDirectory } from './diff-directory.js';
import { syncDiffFs } from './diff-fs.js';
import { syncLayerFs } from './layer-fs.js';
import { unpackLayer } from './unpack-layer.js';
import { deserializeError, type FromWorker, serializeError, type ToWorker } from './unpack-protocol.js';

/**
 * Worker-thread entry of WorkerLayerUnpacker: runs unpackLayer (decompression, the diff-ID hash,
 * the tar parse and the file writes) on blob bytes the main thread sends, one job at a time. The
 * bytes come in as transferred buffers; each one taken in is credited back, so the sender never
 * has more than its window in flight. A `diff` job runs the other way: diffDirectory walks a tree
 * with direct system calls and its tar goes back in transferred buffers, within the same window.
 */
const port = parentPort;
if (!port) throw new Error('unpack-worker runs as a worker thread (WorkerLayerUnpacker starts it)');

interface Job {
  id: number;
  source: Readable;
  queue: Uint8Array[];
  ended: boolean;
  wanting: boolean;
}

let current: Job | undefined;

/** Bytes of tar sent to the main thread and not yet taken in; above the window the walk waits. */
const WINDOW = 8 << 20;
/** Tar bytes are gathered into buffers of this size before they are transferred. */
const STAGE = 1 << 20;

interface DiffJob {
  id: number;
  inflight: number;
  /** Resolves the walk's wait for the window to reopen. */
  wake: (() => void) | undefined;
  abort: ((err: Error) => void) | undefined;
}

let currentDiff: DiffJob | undefined;

function diff(id: number, dir: string, options: Extract<ToWorker, { type: 'diff' }>['options']): void {
  const job: DiffJob = { id, inflight: 0, wake: undefined, abort: undefined };
  currentDiff = job;
  const source = diffDirectory(dir, {
    ...(options.overlay !== undefined ? { overlay: options.overlay } : {}),
    ...(options.clampMtimeMs !== undefined ? { clampMtime: new Date(options.clampMtimeMs) } : {}),
    fs: syncDiffFs,
  });
  job.abort = (err) => source.destroy(err);
  const run = async () => {
    let stage: Uint8Array | undefined;
    let staged = 0;
    const flush = async () => {
      if (!stage || staged === 0) return;
      const chunk = staged === stage.length ? stage : stage.slice(0, staged);
      stage = undefined;
      staged = 0;
      job.inflight += chunk.length;
      port?.postMessage({ type: 'tar', job: id, chunk } satisfies FromWorker, [chunk.buffer as ArrayBuffer]);
      while (job.inflight >= WINDOW && !source.destroyed) {
        await new Promise<void>((resolve) => {
          job.wake = resolve;
        });
      }
    };
    for await (const piece of source) {
      const data = piece as Buffer;
      let at = 0;
      while (at < data.length) {
        stage ??= new Uint8Array(STAGE);
        const n = Math.min(data.length - at, stage.length - staged);
        stage.set(data.subarray(at, at + n), staged);
        staged += n;
        at += n;
        if (staged === stage.length) await flush();
      }
    }
    await flush();
  };
  run().then(
    () => {
      if (currentDiff === job) currentDiff = undefined;
      send({ type: 'tar-end', job: id });
    },
    (err: unknown) => {
      if (currentDiff === job) currentDiff = undefined;
      send({ type: 'failed', job: id, error: serializeError(err) });
    },
  );
}

function send(message: FromWorker): void {
  port?.postMessage(message);
}

/** Hands queued chunks to the unpacker as fast as it reads them, crediting what it took. */
function pump(job: Job): void {
  let taken = 0;
  while (job.wanting && job.queue.length > 0) {
    const chunk = job.queue.shift() as Uint8Array;
    taken += chunk.length;
    job.wanting = job.source.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  if (job.wanting && job.ended && job.queue.length === 0) job.source.push(null);
  if (taken > 0) send({ type: 'credit', job: job.id, bytes: taken });
}

function start(id: number, dir: string, options: Extract<ToWorker, { type: 'start' }>['options']): void {
  const job: Job = {
    id,
    queue: [],
    ended: false,
    wanting: false,
    source: new Readable({
      highWaterMark: 1 << 20,
      read() {
        job.wanting = true;
        pump(job);
      },
    }),
  };
  current = job;
  // This thread does nothing else: direct system calls beat a thread-pool round trip per file.
  unpackLayer(job.source, dir, { ...options, fs: syncLayerFs }).then(
    (result) => {
      if (current === job) current = undefined;
      send({ type: 'done', job: id, result });
    },
    (err: unknown) => {
      if (current === job) current = undefined;
      send({ type: 'failed', job: id, error: serializeError(err) });
    },
  );
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    start(message.job, message.dir, message.options);
    return;
  }
  if (message.type === 'diff') {
    diff(message.job, message.dir, message.options);
    return;
  }
  const diffJob = currentDiff;
  if (diffJob && diffJob.id === message.job) {
    if (message.type === 'taken') {
      diffJob.inflight -= message.bytes;
      const wake = diffJob.wake;
      diffJob.wake = undefined;
      wake?.();
    } else if (message.type === 'abort') {
      diffJob.abort?.(deserializeError(message.error));
      const wake = diffJob.wake;
      diffJob.wake = undefined;
      wake?.();
    }
    return;
  }
  const job = current;
  if (!job || job.id !== message.job) return;
  if (message.type === 'data') {
    job.queue.push(message.chunk);
    pump(job);
  } else if (message.type === 'end') {
    job.ended = true;
    pump(job);
  } else if (message.type === 'abort') {
    job.source.destroy(deserializeError(message.error));
  }
});
