import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OutputStream } from './container-service.js';
import { encodeFrameList, encodeFrames } from './log-format.js';
import type { LogLimits } from './log-options.js';

/** `container.log.N`: the Nth newest rotated file (1 = the one rotated last). */
export function rotatedLogFile(file: string, n: number): string {
  return `${file}.${n}`;
}

/**
 * Appends one container run's output to its log file. The file opens on the first byte (a
 * container that prints nothing costs no file), writes are batched and kept in order, and
 * readers following the log are told after each append lands. With limits (`--log-opt
 * max-size`/`max-file`), a write that would take the file past `maxSize` first rotates it:
 * `file` becomes `file.1`, `file.1` becomes `file.2`, … and what falls past `maxFiles` in all
 * is deleted. Frames are never split between files; a single frame larger than the limit still
 * lands whole.
 */
export class LogWriter {
  private fh: Promise<FileHandle> | undefined;
  private size = 0;
  private queue: Buffer[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly events: { appended: () => void; rotated: () => void },
    private readonly logger: Logger,
    private readonly limits?: LogLimits,
  ) {}

  write(stream: OutputStream, data: Buffer, timeNano: bigint): void {
    if (this.closed || data.length === 0) return;
    // With limits, frame by frame, so a rotation can fall between the lines of one write.
    if (this.limits) this.queue.push(...encodeFrameList(stream, data, timeNano));
    else this.queue.push(encodeFrames(stream, data, timeNano));
    this.flushing ??= this.flush();
  }

  private openFile(): Promise<FileHandle> {
    this.fh ??= (async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const fh = await open(this.file, 'a', 0o640);
      this.size = (await fh.stat()).size;
      return fh;
    })();
    return this.fh;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const items = this.queue;
        this.queue = [];
        if (this.limits) await this.writeWithin(items, this.limits);
        else await this.writeBatch(items);
      }
    } catch (err: unknown) {
      this.logger.error({ err, file: this.file }, 'cannot write container log');
      this.queue = [];
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeBatch(items: Buffer[]): Promise<void> {
    if (items.length === 0) return;
    const batch = items.length === 1 ? items[0]! : Buffer.concat(items);
    const fh = await this.openFile();
    await fh.write(batch);
    this.size += batch.length;
    this.events.appended();
  }

  /** Writes the frames in batches that fit the live file, rotating it where the next would not. */
  private async writeWithin(items: Buffer[], limits: LogLimits): Promise<void> {
    let pending: Buffer[] = [];
    let pendingSize = 0;
    for (const item of items) {
      await this.openFile();
      const used = this.size + pendingSize;
      if (used > 0 && used + item.length > limits.maxSize) {
        await this.writeBatch(pending);
        pending = [];
        pendingSize = 0;
        await this.rotate(limits);
      }
      pending.push(item);
      pendingSize += item.length;
    }
    await this.writeBatch(pending);
  }

  /** Closes the live file and shifts the rotated ones; the next write opens a fresh file. */
  private async rotate(limits: LogLimits): Promise<void> {
    const fh = await this.openFile();
    this.fh = undefined;
    await fh.close();
    if (limits.maxFiles <= 1) {
      await rm(this.file, { force: true });
    } else {
      await rm(rotatedLogFile(this.file, limits.maxFiles - 1), { force: true });
      for (let n = limits.maxFiles - 2; n >= 1; n--) {
        await rename(rotatedLogFile(this.file, n), rotatedLogFile(this.file, n + 1)).catch((err: unknown) => {
          if (!isErrno(err, 'ENOENT')) throw err;
        });
      }
      await rename(this.file, rotatedLogFile(this.file, 1));
    }
    this.size = 0;
    this.events.rotated();
  }

  /** Writes what is queued and closes the file; later writes are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    if (this.fh) await (await this.fh.catch(() => undefined))?.close();
  }
}
