import { EventEmitter, on } from 'node:events';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { isErrno } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LogsOptions, OutputChunk } from './container-service.js';
import {
  decodeFrames,
  FLAG_PARTIAL,
  FRAME_HEADER,
  FRAME_TRAILER,
  formatTimestampNano,
} from './log-format.js';
import type { LogLimits } from './log-options.js';
import { LogWriter, rotatedLogFile } from './log-writer.js';

export { LogWriter } from './log-writer.js';

const READ_CHUNK = 64 * 1024;

export interface LogReadOptions extends LogsOptions {
  /** Prefix every line with its RFC 3339 nanosecond timestamp and a space (`docker logs -t`). */
  timestamps?: boolean;
}

/** Rotated files a reader looks for (Docker's json-file keeps at most what max-file says). */
const MAX_ROTATED = 1000;

/** Where a read starts: a file of the history (oldest first, the live one last) and an offset. */
interface ReadStart {
  index: number;
  offset: number;
}

/** The frames a reader wants: stream, since/until, and timestamps where a line starts. */
class FrameFilter {
  private readonly sinceNano: bigint | undefined;
  private readonly untilNano: bigint | undefined;
  private readonly atLineStart = { stdout: true, stderr: true };
  /** Set once a frame past `until` was seen: nothing later can match. */
  done = false;

  constructor(private readonly options: LogReadOptions) {
    this.sinceNano = options.since === undefined ? undefined : BigInt(Math.round(options.since * 1e9));
    this.untilNano = options.until === undefined ? undefined : BigInt(Math.round(options.until * 1e9));
  }

  *select(frames: ReturnType<typeof decodeFrames>['frames']): Generator<OutputChunk> {
    for (const f of frames) {
      const startsLine = this.atLineStart[f.stream];
      this.atLineStart[f.stream] = !f.partial;
      if (this.untilNano !== undefined && f.timeNano > this.untilNano) {
        this.done = true;
        return;
      }
      if (this.sinceNano !== undefined && f.timeNano < this.sinceNano) continue;
      if (f.stream === 'stdout' ? !this.options.stdout : !this.options.stderr) continue;
      const data =
        this.options.timestamps && startsLine
          ? Buffer.concat([Buffer.from(`${formatTimestampNano(f.timeNano)} `), f.data])
          : f.data;
      yield { stream: f.stream, timeNano: f.timeNano, data };
    }
  }
}

async function openIfExists(file: string): Promise<FileHandle | undefined> {
  return open(file, 'r').catch((err: unknown) => {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  });
}

/** The rotated files of `file` that exist, oldest first. */
async function rotatedFiles(file: string): Promise<string[]> {
  const found: string[] = [];
  for (let n = 1; n <= MAX_ROTATED; n++) {
    const exists = await stat(rotatedLogFile(file, n)).then(
      () => true,
      (err: unknown) => {
        if (isErrno(err, 'ENOENT')) return false;
        throw err;
      },
    );
    if (!exists) break;
    found.push(rotatedLogFile(file, n));
  }
  return found.reverse();
}

/**
 * Container logs: one append-only file per container (see `log-format.ts`) holding every run, so
 * history survives restarts; with `--log-opt max-size` the writer rotates it into `file.1`, `file.2`
 * … and readers go through those, oldest first, before the live file. Readers filter by stream,
 * since/until and tail, and with `follow` keep reading while a writer for the container is open,
 * moving on to the new live file when it rotates. A read that overlaps a rotation of an
 * already-rotated file it is about to read may miss or repeat that file, as Docker's may.
 */
export class LogStore {
  private readonly events = new EventEmitter();
  private readonly writers = new Map<string, LogWriter>();
  /** How often each container's live log was rotated since the engine started. */
  private readonly rotations = new Map<string, number>();

  constructor(private readonly logger: Logger) {
    this.events.setMaxListeners(0);
  }

  openWriter(containerId: string, file: string, limits?: LogLimits): LogWriter {
    const writer = new LogWriter(
      file,
      {
        appended: () => this.events.emit(containerId, 'append'),
        rotated: () => {
          this.rotations.set(containerId, (this.rotations.get(containerId) ?? 0) + 1);
          this.events.emit(containerId, 'rotate');
        },
      },
      this.logger,
      limits,
    );
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

  /** Forgets a removed container's rotation count. */
  forget(containerId: string): void {
    this.rotations.delete(containerId);
  }

  async *read(containerId: string, file: string, options: LogReadOptions): AsyncGenerator<OutputChunk> {
    const follow = options.follow && this.isWriting(containerId);
    // Subscribe before the first read so no append or rotation between reading and waiting is missed.
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const wakeups = follow ? on(this.events, containerId, { signal: abort.signal }) : undefined;
    const filter = new FrameFilter(options);
    let fh: FileHandle | undefined;
    try {
      const history = [...(await rotatedFiles(file)), file];
      const start =
        options.tail === undefined ? { index: 0, offset: 0 } : await tailStart(history, options.tail);
      for (let i = start.index; i < history.length - 1; i++) {
        const rotated = await openIfExists(history[i]!);
        if (!rotated) continue;
        try {
          yield* this.readToEnd(rotated, i === start.index ? start.offset : 0, filter, containerId);
        } finally {
          await rotated.close();
        }
        if (filter.done) return;
      }
      // The live file: read it, and while following, keep reading as it grows or rotates.
      let rotation = this.rotations.get(containerId) ?? 0;
      fh = await openIfExists(file);
      let pos = start.index === history.length - 1 ? start.offset : 0;
      for (;;) {
        if (fh) {
          pos = yield* this.readToEnd(fh, pos, filter, containerId);
          if (filter.done) return;
        }
        if (!wakeups || abort.signal.aborted) return;
        const now = this.rotations.get(containerId) ?? 0;
        if (now !== rotation || !fh) {
          // Rotated (what the old handle held is read) or not created yet: (re)open the live file.
          const next = await openIfExists(file);
          if (next || now !== rotation) {
            await fh?.close();
            fh = next;
            pos = 0;
            rotation = now;
            if (fh) continue;
          }
        }
        if (!this.isWriting(containerId)) {
          // One last read after the writer closed catches its final append.
          if (fh && (await fh.stat()).size > pos) continue;
          return;
        }
        const next = await wakeups.next().catch(() => ({ done: true as const, value: undefined }));
        if (next.done) return;
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      abort.abort();
      await fh?.close();
    }
  }

  /** Yields the wanted frames from `pos` to the end of one file; returns the offset reached. */
  private async *readToEnd(
    fh: FileHandle,
    from: number,
    filter: FrameFilter,
    containerId: string,
  ): AsyncGenerator<OutputChunk, number> {
    let pos = from;
    let pending = Buffer.alloc(0);
    for (;;) {
      const { bytesRead, buffer } = await fh.read(Buffer.allocUnsafe(READ_CHUNK), 0, READ_CHUNK, pos);
      if (bytesRead === 0) return pos - pending.length;
      pos += bytesRead;
      pending = pending.length
        ? Buffer.concat([pending, buffer.subarray(0, bytesRead)])
        : buffer.subarray(0, bytesRead);
      const { frames, used, corrupt } = decodeFrames(pending);
      pending = Buffer.from(pending.subarray(used));
      yield* filter.select(frames);
      if (filter.done) return pos;
      if (corrupt) {
        this.logger.warn({ containerId, pos }, 'container log is corrupt; stopping the read there');
        filter.done = true;
        return pos;
      }
    }
  }
}

/**
 * Where the last `tail` lines start, counting back from the live file (last in `history`) into
 * the rotated ones.
 */
async function tailStart(history: string[], tail: number): Promise<ReadStart> {
  let remaining = tail;
  for (let i = history.length - 1; i >= 0; i--) {
    const fh = await openIfExists(history[i]!);
    if (!fh) continue;
    try {
      const { offset, lines } = await tailOffset(fh, remaining, i === history.length - 1);
      if (lines >= remaining) return { index: i, offset };
      remaining -= lines;
    } finally {
      await fh.close();
    }
  }
  return { index: 0, offset: 0 };
}

/**
 * The file offset where the last `tail` lines start, walking frame trailers backwards counting
 * complete lines (a partial frame belongs to the line its later frames finish), and how many
 * lines were counted (fewer than `tail` when the file starts first). In the live file, a trailing
 * partial frame is the unfinished last line and counts as one; in a rotated file the line goes on
 * in the next file, which counts it.
 */
async function tailOffset(
  fh: FileHandle,
  tail: number,
  live: boolean,
): Promise<{ offset: number; lines: number }> {
  const size = (await fh.stat()).size;
  if (tail <= 0) return { offset: size, lines: 0 };
  let pos = size;
  let lines = 0;
  const word = Buffer.alloc(4);
  const head = Buffer.alloc(2);
  while (pos > 0) {
    await fh.read(word, 0, 4, pos - FRAME_TRAILER);
    const total = word.readUInt32BE(0);
    const start = pos - total;
    if (total < FRAME_HEADER + FRAME_TRAILER || start < 0) return { offset: 0, lines };
    await fh.read(head, 0, 2, start);
    if ((head.readUInt8(1) & FLAG_PARTIAL) === 0 || (live && pos === size)) {
      if (lines === tail) return { offset: pos, lines };
      lines++;
    }
    pos = start;
  }
  return { offset: 0, lines };
}
