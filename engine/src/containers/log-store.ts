import { EventEmitter, on } from 'node:events';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LogsOptions, OutputChunk, OutputStream } from './container-service.js';
import {
  decodeFrames,
  encodeFrames,
  FLAG_PARTIAL,
  FRAME_HEADER,
  FRAME_TRAILER,
  formatTimestampNano,
} from './log-format.js';

const READ_CHUNK = 64 * 1024;

export interface LogReadOptions extends LogsOptions {
  /** Prefix every line with its RFC 3339 nanosecond timestamp and a space (`docker logs -t`). */
  timestamps?: boolean;
}

/**
 * Appends one container run's output to its log file. The file opens on the first byte (a
 * container that prints nothing costs no file), writes are batched and kept in order, and
 * readers following the log are told after each append lands.
 */
export class LogWriter {
  private fh: Promise<FileHandle> | undefined;
  private queue: Buffer[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly notify: () => void,
    private readonly logger: Logger,
  ) {}

  write(stream: OutputStream, data: Buffer, timeNano: bigint): void {
    if (this.closed || data.length === 0) return;
    this.queue.push(encodeFrames(stream, data, timeNano));
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue);
        this.queue = [];
        this.fh ??= mkdir(path.dirname(this.file), { recursive: true }).then(() =>
          open(this.file, 'a', 0o640),
        );
        const fh = await this.fh;
        await fh.write(batch);
        this.notify();
      }
    } catch (err: unknown) {
      this.logger.error({ err, file: this.file }, 'cannot write container log');
      this.queue = [];
    } finally {
      this.flushing = undefined;
    }
  }

  /** Writes what is queued and closes the file; later writes are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    if (this.fh) await (await this.fh.catch(() => undefined))?.close();
  }
}

/**
 * Container logs: one append-only file per container (see `log-format.ts`) holding every run, so
 * history survives restarts. Readers filter by stream, since/until and tail, and with `follow`
 * keep reading while a writer for the container is open.
 */
export class LogStore {
  private readonly events = new EventEmitter();
  private readonly writers = new Map<string, LogWriter>();

  constructor(private readonly logger: Logger) {
    this.events.setMaxListeners(0);
  }

  openWriter(containerId: string, file: string): LogWriter {
    const writer = new LogWriter(file, () => this.events.emit(containerId, 'append'), this.logger);
    this.writers.set(containerId, writer);
    return writer;
  }

  /** Flushes and closes the container's writer; followers end once they have read everything. */
  async closeWriter(containerId: string, writer: LogWriter): Promise<void> {
    await writer.close();
    if (this.writers.get(containerId) === writer) this.writers.delete(containerId);
    this.events.emit(containerId, 'close');
  }

  isWriting(containerId: string): boolean {
    return this.writers.has(containerId);
  }

  async *read(containerId: string, file: string, options: LogReadOptions): AsyncGenerator<OutputChunk> {
    const fh = await open(file, 'r').catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    });
    const follow = options.follow && this.isWriting(containerId);
    // Subscribe before the first read so no append between reading and waiting is missed.
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const wakeups = follow ? on(this.events, containerId, { signal: abort.signal }) : undefined;
    const sinceNano = options.since === undefined ? undefined : BigInt(Math.round(options.since * 1e9));
    const untilNano = options.until === undefined ? undefined : BigInt(Math.round(options.until * 1e9));
    const atLineStart = { stdout: true, stderr: true };
    try {
      let pos = fh && options.tail !== undefined ? await tailOffset(fh, options.tail) : 0;
      let pending = Buffer.alloc(0);
      for (;;) {
        if (fh) {
          const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(READ_CHUNK), 0, READ_CHUNK, pos);
          if (bytesRead > 0) {
            pos += bytesRead;
            pending = pending.length
              ? Buffer.concat([pending, buffer.subarray(0, bytesRead)])
              : buffer.subarray(0, bytesRead);
            const { frames, used, corrupt } = decodeFrames(pending);
            pending = Buffer.from(pending.subarray(used));
            for (const f of frames) {
              const startsLine = atLineStart[f.stream];
              atLineStart[f.stream] = !f.partial;
              if (untilNano !== undefined && f.timeNano > untilNano) return;
              if (sinceNano !== undefined && f.timeNano < sinceNano) continue;
              if (f.stream === 'stdout' ? !options.stdout : !options.stderr) continue;
              const data =
                options.timestamps && startsLine
                  ? Buffer.concat([Buffer.from(`${formatTimestampNano(f.timeNano)} `), f.data])
                  : f.data;
              yield { stream: f.stream, timeNano: f.timeNano, data };
            }
            if (corrupt) {
              this.logger.warn(
                { containerId, file, pos },
                'container log is corrupt; stopping the read there',
              );
              return;
            }
            continue;
          }
        }
        if (!wakeups || abort.signal.aborted) return;
        if (!this.isWriting(containerId)) {
          // One last read after the writer closed catches its final append.
          if (fh && (await fh.stat()).size > pos) continue;
          return;
        }
        const next = await wakeups.next().catch(() => ({ done: true as const, value: undefined }));
        if (next.done) return;
        if (!fh) return yield* this.read(containerId, file, { ...options, tail: undefined });
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      abort.abort();
      await fh?.close();
    }
  }
}

/**
 * The file offset where the last `tail` lines start: walks frame trailers backwards counting
 * complete lines (a partial frame belongs to the line its later frames finish).
 */
async function tailOffset(fh: FileHandle, tail: number): Promise<number> {
  const size = (await fh.stat()).size;
  if (tail <= 0) return size;
  let pos = size;
  let lines = 0;
  const word = Buffer.alloc(4);
  const head = Buffer.alloc(2);
  while (pos > 0) {
    await fh.read(word, 0, 4, pos - FRAME_TRAILER);
    const total = word.readUInt32BE(0);
    const start = pos - total;
    if (total < FRAME_HEADER + FRAME_TRAILER || start < 0) return 0;
    await fh.read(head, 0, 2, start);
    // A trailing partial frame is the unfinished last line: it counts as a line too.
    if ((head.readUInt8(1) & FLAG_PARTIAL) === 0 || pos === size) {
      if (lines === tail) return pos;
      lines++;
    }
    pos = start;
  }
  return 0;
}
