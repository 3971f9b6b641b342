import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { type UnpackedLayer, unpackLayer } from './unpack-layer.js';
import {
  deserializeError,
  type FromWorker,
  serializeError,
  type ToWorker,
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
    this.maxWorkers = options.maxWorkers ?? Math.max(2, availableParallelism());
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
          } else {
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
