import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { syncLayerFs } from './layer-fs.js';
import { unpackLayer } from './unpack-layer.js';
import { deserializeError, type FromWorker, serializeError, type ToWorker } from './unpack-protocol.js';

/**
 * Worker-thread entry of WorkerLayerUnpacker: runs unpackLayer (decompression, the diff-ID hash,
 * the tar parse and the file writes) on blob bytes the main thread sends, one job at a time. The
 * bytes come in as transferred buffers; each one taken in is credited back, so the sender never
 * has more than its window in flight.
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
  const job = current;
  if (!job || job.id !== message.job) return;
  if (message.type === 'data') {
    job.queue.push(message.chunk);
    pump(job);
  } else if (message.type === 'end') {
    job.ended = true;
    pump(job);
  } else {
    job.source.destroy(deserializeError(message.error));
  }
});
