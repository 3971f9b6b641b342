import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { diffDirectory } from './diff-directory.js';
import { type UnpackedLayer, unpackLayer } from './unpack-layer.js';
import {
  deserializeError,
  type FromWorker,
  serializeError,
  type ToWorker,
  type WorkerDiffOptions,
  type WorkerUnpackOptions,
} from './unpack-protocol.js';

export interface WorkerLayerUnpackerOptions {
  /** The worker entry; default the compiled `unpack-worker.js` beside this module. */
  workerUrl?: URL | string;
  /** Layers unpacked in worker threads at once; more run inline on the calling thread. Default: cores, at least 2. */
  maxWorkers?: number;
  /** How long an idle worker is kept for the next layer (default 10 s). */
  idleMs?: number;
}

/** Bytes sent to a worker and not yet taken in by its unpacker. */
const WINDOW = 8 << 20;
/** Blob bytes are copied into buffers of this size, which are transferred to the worker. */
const STAGE = 1 << 20;

interface Slot {
  worker: Worker;
  /** The job running on it, if any. */
  busy?: RunningJob;
  idleTimer?: NodeJS.Timeout;
  dead?: Error;
}

interface RunningJob {
  id: number;
  onMessage(message: FromWorker): void;
  onDeath(err: Error): void;
}

/**
 * Unpacks layers (`unpackLayer`) in worker threads, so decompression, the diff-ID hash, the tar
 * parse and the file writes of each layer run beside the main thread — which then only reads the
 * blob stream, and with two layers both cores work. Same contract as unpackLayer: the promise
 * settles only after the worker stopped touching `dir`. Workers are reused and exit after
 * `idleMs`; idle ones never keep the process alive. Call `close()` when done with it.
 */
export class WorkerLayerUnpacker {
  private readonly workerUrl: URL | string;
  private readonly maxWorkers: number;
  private readonly idleMs: number;
  private readonly slots = new Set<Slot>();
  private nextJob = 1;
  private closed = false;

  constructor(options: WorkerLayerUnpackerOptions = {}) {
    this.workerUrl = options.workerUrl ?? new URL('./unpack-worker.js', import.meta.url);
    // Run from TypeScript sources (vitest), the compiled worker entry is not there: everything
    // then runs inline on the calling thread, as it does when all workers are busy.
    const built =
      !(this.workerUrl instanceof URL) || this.workerUrl.protocol !== 'file:' || existsSync(this.workerUrl);
    this.maxWorkers = built ? (options.maxWorkers ?? Math.max(2, availableParallelism())) : 0;
    this.idleMs = options.idleMs ?? 10_000;
  }

  /** A LayerUnpacker (registry client) that runs in a worker thread. */
  readonly unpack = (
    blob: Readable,
    dir: string,
    options: WorkerUnpackOptions = {},
  ): Promise<UnpackedLayer> => {
    if (this.closed) return Promise.reject(new Error('WorkerLayerUnpacker is closed'));
    const slot = this.acquire();
    if (!slot) return unpackLayer(blob, dir, options);
    return this.run(slot, blob, dir, options);
  };

  /**
   * `diffDirectory` in a worker thread: the walk, the reads and the tar packing run there with
   * direct system calls, and the tar comes back as this stream (within the same window as unpack
   * jobs, so a slow reader holds the walk back). Same bytes as `diffDirectory(dir, options)` with
   * the default special files; inline on this thread when every worker is busy. Destroying the
   * stream stops the walk. Nothing in `dir` is written.
   */
  diff(dir: string, options: { overlay?: boolean; clampMtime?: Date } = {}): Readable {
    const inline = () =>
      diffDirectory(dir, {
        ...(options.overlay !== undefined ? { overlay: options.overlay } : {}),
        ...(options.clampMtime ? { clampMtime: options.clampMtime } : {}),
      });
    if (this.closed) return inline();
    const slot = this.acquire();
    if (!slot) return inline();
    return this.runDiff(slot, dir, {
      ...(options.overlay !== undefined ? { overlay: options.overlay } : {}),
      ...(options.clampMtime ? { clampMtimeMs: options.clampMtime.getTime() } : {}),
    });
  }

  /**
   * Starts workers for `layers` layers about to be unpacked (up to the limit), so their start-up
   * (~50 ms: a V8 isolate and the modules) overlaps the requests that precede the first bytes.
   */
  prewarm(layers: number): void {
    if (this.closed) return;
    let idle = 0;
    for (const slot of this.slots) if (!slot.busy && !slot.dead) idle++;
    while (idle < layers && this.slots.size < this.maxWorkers) {
      this.release(this.spawn());
      idle++;
    }
  }

  /** Stops every worker; layers being unpacked fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.slots].map((slot) => this.retire(slot)));
  }

  private acquire(): Slot | undefined {
    for (const slot of this.slots) {
      if (!slot.busy && !slot.dead) {
        clearTimeout(slot.idleTimer);
        slot.worker.ref();
        return slot;
      }
    }
    if (this.slots.size >= this.maxWorkers) return undefined;
    return this.spawn();
  }

  private spawn(): Slot {
    // The worker is plain compiled JavaScript: the parent's flags (a loader, `--input-type` of a
    // `node -e` script) are not for it and some make Worker creation fail.
    const worker = new Worker(this.workerUrl, { execArgv: [] });
    const slot: Slot = { worker };
    worker.on('message', (message: FromWorker) => slot.busy?.onMessage(message));
    const die = (err: Error) => {
      slot.dead ??= err;
      this.slots.delete(slot);
      slot.busy?.onDeath(err);
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`layer unpack worker exited with code ${code}`)));
    this.slots.add(slot);
    return slot;
  }

  private release(slot: Slot): void {
    slot.busy = undefined;
    if (slot.dead) return;
    if (this.closed) {
      void this.retire(slot);
      return;
    }
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => void this.retire(slot), this.idleMs);
    slot.idleTimer.unref();
  }

  private async retire(slot: Slot): Promise<void> {
    clearTimeout(slot.idleTimer);
    this.slots.delete(slot);
    slot.dead ??= new Error('layer unpack worker stopped');
    await slot.worker.terminate();
  }

  private runDiff(slot: Slot, dir: string, options: WorkerDiffOptions): Readable {
    const id = this.nextJob++;
    const post = (message: ToWorker) => slot.worker.postMessage(message);
    /** Bytes pushed into the stream while it was full: credited once the reader asks for more. */
    let owed = 0;
    let ended = false;
    const out = new Readable({
      highWaterMark: 1 << 20,
      read: () => {
        if (owed === 0 || ended) return;
        post({ type: 'taken', job: id, bytes: owed });
        owed = 0;
      },
      destroy: (err, cb) => {
        // The reader went away early: stop the walk; the slot is freed once the worker answers.
        if (!ended)
          post({ type: 'abort', job: id, error: serializeError(err ?? new Error('diff stream closed')) });
        cb(err);
      },
    });
    const finish = (err?: Error) => {
      if (ended) return;
      ended = true;
      this.release(slot);
      if (err) out.destroy(err);
      else out.push(null);
    };
    slot.busy = {
      id,
      onMessage: (message) => {
        if (message.job !== id) return;
        if (message.type === 'tar') {
          const chunk = Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength);
          if (out.destroyed) return;
          if (out.push(chunk)) post({ type: 'taken', job: id, bytes: chunk.length });
          else owed += chunk.length;
        } else if (message.type === 'tar-end') {
          finish();
        } else if (message.type === 'failed') {
          finish(deserializeError(message.error));
        }
      },
      onDeath: (err) => finish(err),
    };
    post({ type: 'diff', job: id, dir, options });
    return out;
  }

  private run(slot: Slot, blob: Readable, dir: string, options: WorkerUnpackOptions): Promise<UnpackedLayer> {
    const id = this.nextJob++;
    const post = (message: ToWorker, transfer?: ArrayBuffer[]) => slot.worker.postMessage(message, transfer);
    return new Promise<UnpackedLayer>((resolve, reject) => {
      let inflight = 0;
      let stage: Uint8Array | undefined;
      let staged = 0;
      /** The worker's answer ends the job; a source error is reported once the worker stopped. */
      let sourceError: unknown;
      let settled = false;
      const finish = (err: unknown, result?: UnpackedLayer) => {
        if (settled) return;
        settled = true;
        blob.off('data', onData);
        blob.off('end', onEnd);
        blob.off('error', onError);
        if (!blob.readableEnded) blob.destroy();
        this.release(slot);
        if (err !== undefined) reject(err);
        else resolve(result as UnpackedLayer);
      };
      const flush = () => {
        if (!stage || staged === 0) return;
        const chunk = staged === stage.length ? stage : stage.slice(0, staged);
        inflight += chunk.length;
        post({ type: 'data', job: id, chunk }, [chunk.buffer as ArrayBuffer]);
        stage = undefined;
        staged = 0;
      };
      const onData = (data: Buffer) => {
        let at = 0;
        while (at < data.length) {
          stage ??= new Uint8Array(STAGE);
          const n = Math.min(data.length - at, stage.length - staged);
          stage.set(data.subarray(at, at + n), staged);
          staged += n;
          at += n;
          if (staged === stage.length) flush();
        }
        if (inflight >= WINDOW) blob.pause();
      };
      const onEnd = () => {
        flush();
        post({ type: 'end', job: id });
      };
      const onError = (err: unknown) => {
        sourceError = err;
        post({ type: 'abort', job: id, error: serializeError(err) });
      };
      slot.busy = {
        id,
        onMessage: (message) => {
          if (message.job !== id) return;
          if (message.type === 'credit') {
            inflight -= message.bytes;
            if (inflight < WINDOW / 2 && blob.isPaused() && !settled) blob.resume();
          } else if (message.type === 'done') {
            finish(sourceError, message.result);
          } else if (message.type === 'failed') {
            finish(sourceError ?? deserializeError(message.error));
          }
        },
        onDeath: (err) => finish(sourceError ?? err),
      };
      post({ type: 'start', job: id, dir, options });
      blob.on('data', onData);
      blob.on('end', onEnd);
      blob.on('error', onError);
    });
  }
}
