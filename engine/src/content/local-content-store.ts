import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatchError, InvalidArgumentError, isErrno, NotFoundError } from '../errors.js';
import { acquireFileLock, type FileLock } from '../util/file-lock.js';
import type { BlobInfo, ContentStore, ContentWriter } from './content-store.js';
import { type Digest, digestHex, isDigest, sha256 } from './digest.js';

/**
 * Blobs under `<root>/blobs/sha256/<hex>`; ingests under `<root>/ingest/<ref>/data`. A commit
 * fsyncs and renames the ingest file into place, so readers never see a prefix of a blob.
 */
export class LocalContentStore implements ContentStore {
  private readonly blobsDir: string;
  private readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobsDir = path.join(root, 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'ingest');
  }

  async init(): Promise<this> {
    await mkdir(this.blobsDir, { recursive: true });
    await mkdir(this.ingestDir, { recursive: true });
    return this;
  }

  pathOf(digest: Digest): string {
    return path.join(this.blobsDir, digestHex(digest));
  }

  async info(digest: Digest): Promise<BlobInfo | undefined> {
    try {
      const st = await stat(this.pathOf(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async has(digest: Digest): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  read(digest: Digest, range: { start?: number; end?: number } = {}): Readable {
    const out = new PassThrough();
    const file = this.pathOf(digest);
    const end = range.end === undefined ? undefined : range.end - 1;
    const src = createReadStream(file, { start: range.start, end });
    src.on('error', (err) =>
      out.destroy(isErrno(err, 'ENOENT') ? new NotFoundError('content', digest) : err),
    );
    return src.pipe(out);
  }

  async readBuffer(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new NotFoundError('content', digest);
      throw err;
    }
  }

  async put(data: Uint8Array, expected: Partial<BlobInfo> = {}): Promise<BlobInfo> {
    const digest = sha256(data);
    verify({ digest, size: data.length }, expected, 'blob');
    if (await this.has(digest)) return { digest, size: data.length };
    const w = await this.writer();
    w.stream.end(data);
    await finished(w.stream);
    return w.commit(expected);
  }

  async writer(options: { ref?: string; expected?: BlobInfo } = {}): Promise<ContentWriter> {
    const ref = options.ref ?? `anon-${process.pid}-${Math.random().toString(36).slice(2)}`;
    if (!/^[A-Za-z0-9_.:-]+$/.test(ref))
      throw new InvalidArgumentError(`invalid ingest ref ${JSON.stringify(ref)}`);
    const dir = path.join(this.ingestDir, ref.replaceAll(':', '-'));
    await mkdir(dir, { recursive: true });
    const lock = await acquireFileLock(path.join(dir, 'lock'), { timeoutMs: 10 * 60_000, pollMs: 20 });
    try {
      const dataPath = path.join(dir, 'data');
      const hash = createHash('sha256');
      let offset = 0;
      if (options.ref) {
        offset = await hashExisting(dataPath, hash);
      }
      const fh = await open(dataPath, offset > 0 ? 'a' : 'w', 0o644);
      return new LocalWriter(this, dir, dataPath, fh, hash, offset, lock, options.expected);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.pathOf(digest), { force: true });
  }

  async *list(): AsyncIterable<BlobInfo> {
    for (const name of await readdir(this.blobsDir)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      const info = await this.info(digest);
      if (info) yield info;
    }
  }

  /** Moves a verified ingest file into the blob directory. */
  async install(dataPath: string, digest: Digest): Promise<void> {
    await rename(dataPath, this.pathOf(digest));
  }
}

async function hashExisting(file: string, hash: Hash): Promise<number> {
  try {
    let n = 0;
    await pipeline(
      createReadStream(file),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          n += chunk.length;
          cb();
        },
      }),
    );
    return n;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
}

function verify(actual: BlobInfo, expected: Partial<BlobInfo>, what: string): void {
  if (expected.size !== undefined && expected.size !== actual.size) {
    throw new DigestMismatchError(`${expected.size} bytes`, `${actual.size} bytes`, `${what} size mismatch`);
  }
  if (expected.digest !== undefined && expected.digest !== actual.digest) {
    throw new DigestMismatchError(expected.digest, actual.digest, `${what} digest mismatch`);
  }
}

function finished(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.writableFinished) return resolve();
    stream.once('finish', resolve);
    stream.once('error', reject);
  });
}

/** Written bytes after which a background fdatasync starts, so the commit's flush finds little left. */
const SYNC_EVERY = 32 << 20;

/**
 * An ingest file written through one descriptor. The Writable's own buffer is the only one:
 * chunks that queue while a write is in flight go down together in one writev. A write's
 * callback fires once its bytes are in the file (a crashed process loses nothing acknowledged).
 */
class LocalWriter implements ContentWriter {
  readonly stream: Writable;
  private written: number;
  private done = false;
  /** Bytes written since the last background datasync started. */
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly store: LocalContentStore,
    private readonly dir: string,
    private readonly dataPath: string,
    private readonly fh: FileHandle,
    private readonly hash: Hash,
    readonly offset: number,
    private readonly lock: FileLock,
    private readonly expected: BlobInfo | undefined,
  ) {
    this.written = offset;
    this.stream = new Writable({
      highWaterMark: 1 << 20,
      writev: (chunks, cb) => {
        this.append(chunks.map((c) => c.chunk as Buffer)).then(() => cb(), cb);
      },
      // Every byte is in: start flushing now, while the caller finishes whatever else it does
      // before commit (the pull's unpacker still writing the snapshot).
      final: (cb) => {
        this.startSync();
        cb();
      },
      // A finished stream is destroyed automatically: its descriptor stays open for commit's
      // datasync. An errored one closes it (commit or abort still follow).
      destroy: (err, cb) => {
        if (!err) return cb(null);
        this.close().then(
          () => cb(err),
          () => cb(err),
        );
      },
    });
  }

  private async append(chunks: Buffer[]): Promise<void> {
    let n = 0;
    for (const c of chunks) n += c.length;
    if (this.expected && this.written + n > this.expected.size) {
      throw new DigestMismatchError(
        `${this.expected.size} bytes`,
        `more than ${this.expected.size} bytes`,
        'blob too large',
      );
    }
    for (const c of chunks) this.hash.update(c);
    this.written += n;
    await this.fh.writev(chunks);
    this.unsynced += n;
    // Starts the disk writes while the download goes on.
    if (this.unsynced >= SYNC_EVERY) this.startSync();
  }

  /** A datasync in the background (one at a time); failures surface at commit's own datasync. */
  private startSync(): void {
    if (this.syncing || this.closed) return;
    this.unsynced = 0;
    this.syncing = this.fh.datasync().then(
      () => {
        this.syncing = undefined;
      },
      () => {
        this.syncing = undefined;
      },
    );
  }

  private close(): Promise<void> {
    this.closed ??= (async () => {
      await this.syncing;
      await this.fh.close();
    })();
    return this.closed;
  }

  async commit(expected: Partial<BlobInfo> = {}): Promise<BlobInfo> {
    if (this.done) throw new Error('content writer already committed or aborted');
    this.done = true;
    try {
      if (!this.stream.writableFinished) {
        this.stream.end();
        await finished(this.stream);
      }
      const actual: BlobInfo = { digest: `sha256:${this.hash.digest('hex')}`, size: this.written };
      verify(actual, { ...this.expected, ...expected }, 'blob');
      await this.syncing;
      await this.fh.datasync();
      await this.close();
      await this.store.install(this.dataPath, actual.digest);
      await rm(this.dir, { recursive: true, force: true });
      return actual;
    } catch (err) {
      await this.close().catch(() => {});
      await rm(this.dir, { recursive: true, force: true });
      throw err;
    } finally {
      await this.lock.release();
    }
  }

  async abort(options: { keepPartial?: boolean } = {}): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stream.destroy();
    await this.close().catch(() => {});
    if (!options.keepPartial) await rm(this.dir, { recursive: true, force: true });
    await this.lock.release();
  }
}
