import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { BlobInfo, ContentWriter } from '../../content/content-store.js';
import type { Digest } from '../../content/digest.js';
import { DigestMismatchError, isErrno } from '../../errors.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';
import { DistributionError } from './distribution-error.js';
import type { RegistryStorage } from './registry-storage.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An open upload: its content writer and how many bytes this process appended to it. */
export class UploadSession {
  appended = 0;
  constructor(readonly writer: ContentWriter) {}

  /** Bytes received so far, including those from before a restart. */
  get size(): number {
    return this.writer.offset + this.appended;
  }

  /**
   * Appends a request body without ending the writer (the session stays open between requests).
   * More than `maxBytes` is SIZE_INVALID: the caller then cancels the session.
   */
  async append(body: AsyncIterable<Buffer>, maxBytes = Number.POSITIVE_INFINITY): Promise<number> {
    let n = 0;
    const out = this.writer.stream;
    for await (const chunk of body) {
      n += chunk.length;
      if (n > maxBytes) {
        throw new DistributionError(
          400,
          'SIZE_INVALID',
          `body is larger than the ${maxBytes} bytes declared by Content-Range or Content-Length`,
        );
      }
      this.appended += chunk.length;
      // events.once rejects when the stream errors while we wait for 'drain'.
      if (!out.write(chunk)) await once(out, 'drain');
    }
    if (out.errored) throw out.errored;
    return n;
  }
}

interface OpenSession {
  session: UploadSession;
  /** Serialises requests on one session: a chunk must land before the next offset is checked. */
  queue: Promise<unknown>;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * Blob upload sessions (`POST …/blobs/uploads/`). A session's bytes are a content-store ingest with
 * ref `upload-<uuid>`: its writer stays open in memory between PATCH requests (so the hash runs
 * incrementally) and is parked after a quiet period; a parked or restarted session resumes by
 * re-hashing what is on disk. `uploads/<uuid>.json` records the owning repository.
 */
export class UploadSessions {
  private readonly open = new Map<string, OpenSession>();

  constructor(
    private readonly storage: RegistryStorage,
    private readonly logger: Logger,
    private readonly idleMs = 60_000,
  ) {}

  async create(name: string): Promise<string> {
    const id = randomUUID();
    await writeJsonAtomic(this.metaFile(id), { name, startedAt: new Date().toISOString() });
    return id;
  }

  private metaFile(id: string): string {
    return path.join(this.storage.uploadsDir, `${id}.json`);
  }

  private async owner(id: string): Promise<string | undefined> {
    if (!UUID.test(id)) return undefined;
    try {
      const meta = JSON.parse(await readFile(this.metaFile(id), 'utf8')) as { name?: unknown };
      return typeof meta.name === 'string' ? meta.name : undefined;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /**
   * Runs `fn` with the session's writer, one request at a time per session. Unknown sessions, or
   * sessions of another repository, are BLOB_UPLOAD_UNKNOWN.
   */
  async with<T>(name: string, id: string, fn: (session: UploadSession) => Promise<T>): Promise<T> {
    if ((await this.owner(id)) !== name) {
      throw new DistributionError(
        404,
        'BLOB_UPLOAD_UNKNOWN',
        `blob upload ${JSON.stringify(id)} is unknown to ${name}`,
      );
    }
    let session = this.open.get(id);
    if (!session) {
      const writer = await this.storage.content.writer({ ref: `upload-${id}` });
      session = { session: new UploadSession(writer), queue: Promise.resolve(), idleTimer: undefined };
      this.open.set(id, session);
    }
    const s = session;
    if (s.idleTimer) clearTimeout(s.idleTimer);
    const run = s.queue.then(() => fn(s.session));
    s.queue = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      if (this.open.get(id) === s) {
        s.idleTimer = setTimeout(() => void this.park(id), this.idleMs);
        s.idleTimer.unref();
      }
    }
  }

  /** Bytes received so far. */
  async offset(name: string, id: string): Promise<number> {
    return this.with(name, id, async (u) => u.size);
  }

  /** Verifies the whole upload against `digest` and makes it visible; the session ends either way. */
  async commit(name: string, id: string, digest: Digest): Promise<BlobInfo> {
    return this.with(name, id, async (u) => {
      this.open.delete(id);
      await rm(this.metaFile(id), { force: true });
      try {
        const info = await u.writer.commit({ digest });
        await this.storage.linkBlob(name, info.digest);
        return info;
      } catch (err) {
        if (err instanceof DigestMismatchError) {
          throw new DistributionError(
            400,
            'DIGEST_INVALID',
            `uploaded content does not match digest ${digest}`,
            {
              expected: digest,
              actual: err.actual,
            },
          );
        }
        throw err;
      }
    });
  }

  /** Ends a session and discards its bytes (client DELETE, or a request that broke the protocol). */
  async cancel(name: string, id: string): Promise<void> {
    await this.with(name, id, async (u) => {
      this.open.delete(id);
      await u.writer.abort();
      await rm(this.metaFile(id), { force: true });
    });
  }

  /** Closes an idle writer, keeping its bytes; the next request re-opens it. */
  private async park(id: string): Promise<void> {
    const s = this.open.get(id);
    if (!s) return;
    this.open.delete(id);
    if (s.idleTimer) clearTimeout(s.idleTimer);
    await s.queue;
    const { writer } = s.session;
    // End the stream first so every byte acknowledged to the client reaches the ingest file;
    // aborting alone would drop what is still buffered.
    await new Promise<void>((resolve) => {
      writer.stream.once('error', () => resolve());
      writer.stream.end(() => resolve());
    });
    await writer
      .abort({ keepPartial: true })
      .catch((err: unknown) => this.logger.warn({ err, id }, 'parking upload'));
  }

  /** Parks every open session (server shutdown): their ingests stay resumable. */
  async close(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.park(id)));
  }
}
