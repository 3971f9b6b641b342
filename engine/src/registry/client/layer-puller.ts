import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ContentStore, ContentWriter } from '../../content/content-store.js';
import { type Digest, digestHex } from '../../content/digest.js';
import { DigestMismatchError, errorMessage, RegistryError } from '../../errors.js';
import type { ImageLayer } from '../../images/image-record.js';
import type { Snapshotter } from '../../snapshots/snapshotter.js';
import type { Descriptor } from '../manifest.js';
import { RegistryErrorCode } from '../registry-constants.js';
import { openBlob } from './blob-requests.js';
import { type ProgressReporter, shortId } from './progress-reporter.js';
import type { RegistrySession } from './registry-transport.js';
import { backoffDelay, isConnectionError, type RetryPolicy } from './retry-policy.js';

/** `layers/unpack-layer.ts`: decompresses (gzip, zstd, plain), hashes the tar and applies it to `dir`. */
export type LayerUnpacker = (
  blob: Readable,
  dir: string,
  options: { expectedDiffId?: Digest },
) => Promise<{ diffId: Digest; size: number; fileBytes?: number }>;

export interface LayerPullContext {
  session: RegistrySession;
  repository: string;
  content: ContentStore;
  snapshotter: Snapshotter;
  unpack: LayerUnpacker;
  progress: ProgressReporter;
  logger: Logger;
  retry: RetryPolicy;
}

export interface LayerJob {
  desc: Descriptor;
  diffId: Digest;
  chainId: Digest;
}

/**
 * Writes every chunk to a content writer as it passes on to the unpacker, counting bytes. The
 * writer batches what queues up into one writev, so chunks go to it as they come.
 */
class Tee extends Transform {
  constructor(
    private readonly sink: Writable,
    private readonly onBytes: (n: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
    sink.on('error', (err) => this.destroy(err));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.onBytes(chunk.length);
    if (this.sink.write(chunk)) cb(null, chunk);
    else this.sink.once('drain', () => cb(null, chunk));
  }

  override _flush(cb: TransformCallback): void {
    this.sink.end(() => cb());
  }

  /** After a broken connection: lands what arrived in the ingest so a resume starts after it. */
  async settle(): Promise<void> {
    if (this.sink.destroyed) return;
    await new Promise<void>((resolve) => {
      this.sink.once('error', () => resolve());
      this.sink.end(() => resolve());
    });
  }
}

class Counter extends Transform {
  constructor(private readonly onBytes: (n: number) => void) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.onBytes(chunk.length);
    cb(null, chunk);
  }
}

function hasCode(err: unknown, code: string): boolean {
  for (let e: unknown = err, i = 0; e && typeof e === 'object' && i < 5; i++) {
    if ((e as { code?: unknown }).code === code) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(entries.map((e) => rm(path.join(dir, e), { recursive: true, force: true })));
}

/**
 * Pulls one layer into its snapshot (keyed by chain ID). In the common case the blob streams once
 * from the socket through a tee: one branch into a content-store ingest (sha256 and size checked
 * at commit), the other through decompression and the diff-ID check into the snapshot directory.
 * The snapshot becomes visible only after both succeeded. A broken connection keeps the partial
 * ingest and resumes it with `Range`; a digest mismatch or a truncated body discards everything
 * and starts over once. The snapshotter's `ensure` and the ingest ref lock make concurrent pulls of
 * the same layer — in this process or another — fetch it once.
 */
export class LayerPuller {
  constructor(
    private readonly ctx: LayerPullContext,
    private readonly image: string,
  ) {}

  async pull(job: LayerJob): Promise<ImageLayer> {
    const { ctx } = this;
    const id = shortId(job.desc.digest);
    const blob = { digest: job.desc.digest, size: job.desc.size, mediaType: job.desc.mediaType };
    const existing = await ctx.snapshotter.stat(job.chainId);
    if (existing && (await ctx.content.has(job.desc.digest))) {
      ctx.progress.layer(id, 'Already exists');
      return { diffId: job.diffId, chainId: job.chainId, size: existing.size, blob };
    }
    let size: number | undefined;
    const info = await ctx.snapshotter.ensure(job.chainId, async (dir) => {
      const unpacked = await this.fetchAndUnpack(job, dir);
      size = unpacked.size;
      return { size: unpacked.fileBytes ?? unpacked.size };
    });
    if (!(await ctx.content.has(job.desc.digest))) {
      // The snapshot came from elsewhere (another image, a build); keep the blob for push and save.
      await this.withRetries(job, async () => {
        const writer = await this.openWriter(job.desc);
        if (writer) await this.downloadInto(writer, job.desc);
      });
    }
    ctx.progress.layer(id, 'Pull complete');
    return { diffId: job.diffId, chainId: job.chainId, size: size ?? info.size, blob };
  }

  private ingestRef(digest: Digest): string {
    return `pull-${digestHex(digest)}`;
  }

  /** Opens the ref-locked ingest; undefined when the blob got committed (by anyone) meanwhile. */
  private async openWriter(desc: Descriptor): Promise<ContentWriter | undefined> {
    if (await this.ctx.content.has(desc.digest)) return undefined;
    const writer = await this.ctx.content.writer({
      ref: this.ingestRef(desc.digest),
      expected: { digest: desc.digest, size: desc.size },
    });
    if (await this.ctx.content.has(desc.digest)) {
      await writer.abort();
      return undefined;
    }
    return writer;
  }

  private async fetchAndUnpack(job: LayerJob, dir: string): Promise<{ size: number; fileBytes?: number }> {
    return this.withRetries(
      job,
      async () => {
        const writer = await this.openWriter(job.desc);
        if (writer && writer.offset === 0) return this.teePass(job, writer, dir);
        // Resumed ingest (after a crash or a broken connection) or a blob someone else fetched:
        // finish it, then unpack from the verified local copy.
        if (writer) await this.downloadInto(writer, job.desc);
        return this.unpackFromStore(job, dir);
      },
      () => emptyDir(dir),
    );
  }

  /** Resumes on connection errors; starts over once on integrity errors; wraps what remains. */
  private async withRetries<T>(
    job: LayerJob,
    attempt: () => Promise<T>,
    reset?: () => Promise<void>,
  ): Promise<T> {
    const { ctx } = this;
    let resumes = 0;
    let restarts = 0;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        await reset?.();
        if (hasCode(err, 'ENOSPC')) throw this.noSpace(job, err);
        if (isConnectionError(err) && resumes < ctx.retry.retries) {
          const wait = backoffDelay(ctx.retry, resumes++);
          ctx.logger.info(
            { layer: job.desc.digest, err: errorMessage(err), wait },
            'layer download broke; resuming',
          );
          await sleep(wait);
          continue;
        }
        if (!isConnectionError(err) && !(err instanceof RegistryError) && restarts++ < 1) {
          ctx.logger.warn(
            { layer: job.desc.digest, err: errorMessage(err) },
            'layer failed verification; fetching again',
          );
          continue;
        }
        throw this.wrap(job, err);
      }
    }
  }

  private async teePass(
    job: LayerJob,
    writer: ContentWriter,
    dir: string,
  ): Promise<{ size: number; fileBytes?: number }> {
    const { ctx } = this;
    const id = shortId(job.desc.digest);
    const total = job.desc.size;
    let current = 0;
    let opened: { body: Readable; start: number };
    try {
      opened = await openBlob(ctx.session, ctx.repository, job.desc.digest, 0);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const tee = new Tee(writer.stream, (n) => {
      current += n;
      ctx.progress.bytes(id, 'Downloading', current, total);
    });
    const copy = pipeline(opened.body, tee);
    const unpack = ctx.unpack(tee, dir, { expectedDiffId: job.diffId });
    // Whichever side fails first stops the other, so neither waits on a stalled stream.
    unpack.catch((err: unknown) => tee.destroy(err instanceof Error ? err : new Error(String(err))));
    const [copied, unpacked] = await Promise.allSettled([copy, unpack]);
    // The unpacker's error names the cause: a broken download reaches it as the source's error,
    // while the copy of a download the unpacker refused only sees its stream cut short.
    const failure =
      unpacked.status === 'rejected'
        ? unpacked.reason
        : copied.status === 'rejected'
          ? copied.reason
          : undefined;
    if (failure !== undefined || unpacked.status !== 'fulfilled') {
      tee.destroy();
      opened.body.destroy();
      // Keep what arrived when only the connection broke: the next attempt resumes with Range.
      const resumable = isConnectionError(failure);
      if (resumable) await tee.settle();
      await writer.abort({ keepPartial: resumable });
      throw failure;
    }
    ctx.progress.layer(id, 'Verifying Checksum');
    await writer.commit();
    ctx.progress.layer(id, 'Download complete');
    ctx.progress.bytes(id, 'Extracting', total, total, true);
    return unpacked.value;
  }

  /** Fills an ingest from its offset (Range) and commits it; keeps partial data on connection errors. */
  private async downloadInto(writer: ContentWriter, desc: Descriptor): Promise<void> {
    const { ctx } = this;
    const id = shortId(desc.digest);
    let w = writer;
    try {
      let opened = await openBlob(ctx.session, ctx.repository, desc.digest, w.offset);
      if (opened.start !== w.offset) {
        // The registry ignored Range: start this ingest over.
        await w.abort();
        const fresh = await this.openWriter(desc);
        if (!fresh) {
          opened.body.destroy();
          return;
        }
        w = fresh;
        if (w.offset !== 0) {
          opened.body.destroy();
          opened = await openBlob(ctx.session, ctx.repository, desc.digest, w.offset);
        }
      }
      let current = w.offset;
      await pipeline(
        opened.body,
        new Counter((n) => {
          current += n;
          ctx.progress.bytes(id, 'Downloading', current, desc.size);
        }),
        w.stream,
      );
      ctx.progress.layer(id, 'Verifying Checksum');
      await w.commit();
      ctx.progress.layer(id, 'Download complete');
    } catch (err) {
      await w.abort({ keepPartial: isConnectionError(err) });
      throw err;
    }
  }

  private async unpackFromStore(job: LayerJob, dir: string): Promise<{ size: number; fileBytes?: number }> {
    const id = shortId(job.desc.digest);
    this.ctx.progress.bytes(id, 'Extracting', 0, job.desc.size, true);
    const result = await this.ctx.unpack(this.ctx.content.read(job.desc.digest), dir, {
      expectedDiffId: job.diffId,
    });
    this.ctx.progress.bytes(id, 'Extracting', job.desc.size, job.desc.size, true);
    return result;
  }

  private where(job: LayerJob): string {
    return `layer ${job.desc.digest} of ${this.image} from registry ${this.ctx.session.endpoint.display}`;
  }

  private noSpace(job: LayerJob, err: unknown): RegistryError {
    const at = (err as { path?: unknown }).path;
    return new RegistryError(
      `${this.ctx.session.subject}: no space left on device while storing ${this.where(job)}${typeof at === 'string' ? ` (writing ${at})` : ''}; free disk space and pull again — nothing of the layer was kept`,
      undefined,
      { code: RegistryErrorCode.NoSpace, cause: err },
    );
  }

  private wrap(job: LayerJob, err: unknown): Error {
    if (err instanceof DigestMismatchError) {
      return new DigestMismatchError(err.expected, err.actual, `${this.where(job)} (after a second attempt)`);
    }
    if (err instanceof RegistryError) return err;
    if (isConnectionError(err))
      return this.ctx.session.unreachable(new URL(this.ctx.session.endpoint.base), err);
    return new RegistryError(
      `${this.ctx.session.subject}: ${this.where(job)} could not be unpacked: ${errorMessage(err)}`,
      undefined,
      {
        cause: err,
      },
    );
  }
}
