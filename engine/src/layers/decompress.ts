import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const MAGIC_BYTES = 4;

/** Compression by magic bytes (image-spec layer.md): registries' media types are not trusted. */
export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

interface Inner {
  write(chunk: Buffer, cb: (err?: Error | null) => void): void;
  end(cb: (err?: Error | null) => void): void;
  resume(): void;
  /** Stops any work in progress (the stream was destroyed). */
  stop?(): void;
}

export interface DecompressorOptions {
  /**
   * The `zstd` command used for zstd layers: several times faster than `fzstd` (pure JS). Absent
   * from PATH (spawn fails with ENOENT), or `false`, means fzstd. Default `zstd`.
   */
  zstdCommand?: string | false;
}

/** Docker's zstd decoder (klauspost/compress) refuses windows above 512 MiB; so does the CLI here. */
const ZSTD_ARGS = ['-d', '-c', '-q', '--memory=512MB'];
const STDERR_LIMIT = 4096;

/**
 * A Transform that decompresses gzip or zstd, or passes a plain tar through, chosen by the first
 * bytes. Streams in bounded memory with backpressure; zstd goes through the `zstd` command when
 * installed (Node 20's zlib has no zstd), else `fzstd` (pure JS). Errors name the format and say
 * the blob is corrupt.
 */
export class Decompressor extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  private inner: Inner | undefined;
  private detected: Compression | undefined;
  private readonly zstdCommand: string | false;

  constructor(options: DecompressorOptions = {}) {
    super({ highWaterMark: 1 << 20 });
    this.zstdCommand = options.zstdCommand ?? 'zstd';
  }

  get compression(): Compression | undefined {
    return this.detected;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.inner) {
      this.inner.write(chunk, cb);
      return;
    }
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength < MAGIC_BYTES) {
      cb();
      return;
    }
    this.start(cb);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.inner) {
      if (this.headLength === 0) {
        this.detected = 'none';
        cb();
        return;
      }
      this.start((err) => {
        if (err) cb(err);
        else this.inner?.end(cb);
      });
      return;
    }
    this.inner.end(cb);
  }

  override _read(size: number): void {
    this.inner?.resume();
    super._read(size);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner?.stop?.();
    cb(err);
  }

  private start(cb: TransformCallback): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.detected = detectCompression(head);
    const begin = (inner: Inner) => {
      this.inner = inner;
      inner.write(head, cb);
    };
    if (this.detected === 'zstd') {
      this.zstdInner().then(
        (inner) => {
          if (this.destroyed) {
            inner.stop?.();
            cb();
          } else begin(inner);
        },
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    begin(
      this.detected === 'gzip'
        ? this.gzip()
        : {
            write: (c, done) => {
              this.push(c);
              done();
            },
            end: (done) => done(),
            resume: () => {},
          },
    );
  }

  /** The zstd command when configured and installed, else fzstd. */
  private async zstdInner(): Promise<Inner> {
    const command = this.zstdCommand === false ? undefined : await this.zstdProcess(this.zstdCommand);
    return command ?? this.zstdJs();
  }

  /** zstd in a child process, or undefined when the command is not installed. */
  private async zstdProcess(command: string): Promise<Inner | undefined> {
    let child: ChildProcessByStdio<Writable, Readable, Readable>;
    try {
      child = spawn(command, ZSTD_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
      await once(child, 'spawn');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < STDERR_LIMIT) stderr += d;
    });
    child.stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout.pause();
    });
    let failed: Error | undefined;
    const fail = (why: string) => {
      failed ??= new InvalidArgumentError(`zstd data is corrupt: ${why}`);
      this.destroy(failed);
    };
    // A corrupt frame makes zstd exit early; writes to its stdin then fail with EPIPE.
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      failed ??= err;
      this.destroy(err);
    });
    const exited = new Promise<void>((resolve) => {
      child.on('close', (code, signal) => {
        if (code !== 0 && !this.destroyed) {
          fail(stderr.trim().split('\n').pop() || `zstd exited with ${signal ?? `code ${code}`}`);
        }
        resolve();
      });
    });
    return {
      write: (c, done) => {
        if (failed) return done(failed);
        if (child.stdin.write(c)) done();
        else child.stdin.once('drain', () => done());
      },
      end: (done) => {
        if (failed) return done(failed);
        child.stdin.end();
        exited.then(() => done(failed));
      },
      resume: () => child.stdout.resume(),
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }

  private gzip(): Inner {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    gunzip.on('data', (d: Buffer) => {
      if (!this.push(d)) gunzip.pause();
    });
    let failed: Error | undefined;
    gunzip.on('error', (err) => {
      failed = new InvalidArgumentError(`gzip data is corrupt: ${err.message}`, { cause: err });
      this.destroy(failed);
    });
    return {
      write: (c, done) => {
        if (failed) return done(failed);
        if (gunzip.write(c)) done();
        else gunzip.once('drain', () => done());
      },
      end: (done) => {
        if (failed) return done(failed);
        gunzip.once('end', () => done());
        gunzip.end();
      },
      resume: () => gunzip.resume(),
    };
  }

  /** fzstd, loaded only when needed (it costs every unpack worker's start-up otherwise). */
  private async zstdJs(): Promise<Inner> {
    const { Decompress } = await import('fzstd');
    const z = new Decompress((data) => {
      this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
    const run = (c: Uint8Array, final: boolean, done: (err?: Error | null) => void) => {
      try {
        z.push(c, final);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return done(new InvalidArgumentError(`zstd data is corrupt: ${why}`, { cause: err }));
      }
      done();
    };
    return {
      write: (c, done) => run(c, false, done),
      end: (done) => run(new Uint8Array(0), true, done),
      resume: () => {},
    };
  }
}

export function createDecompressor(options: DecompressorOptions = {}): Decompressor {
  return new Decompressor(options);
}
