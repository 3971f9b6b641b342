import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
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
      return new LocalWriter(this, dir, dataPath, hash, offset, lock, options.expected);
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

class LocalWriter implements ContentWriter {
  readonly stream: Writable;
  private written: number;
  private done = false;

  constructor(
    private readonly store: LocalContentStore,
    private readonly dir: string,
    private readonly dataPath: string,
    private readonly hash: Hash,
    readonly offset: number,
    private readonly lock: FileLock,
    private readonly expected: BlobInfo | undefined,
  ) {
    this.written = offset;
    const file = createWriteStream(dataPath, { flags: offset > 0 ? 'a' : 'w', mode: 0o644 });
    const self = this;
    this.stream = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _enc, cb) {
        self.hash.update(chunk);
        self.written += chunk.length;
        if (self.expected && self.written > self.expected.size) {
          cb(
            new DigestMismatchError(
              `${self.expected.size} bytes`,
              `more than ${self.expected.size} bytes`,
              'blob too large',
            ),
          );
          return;
        }
        if (!file.write(chunk)) file.once('drain', () => cb());
        else cb();
      },
      final(cb) {
        file.end(() => cb());
      },
      destroy(err, cb) {
        file.destroy();
        cb(err);
      },
    });
    file.on('error', (err) => this.stream.destroy(err));
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
      const fh = await open(this.dataPath, 'r');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await this.store.install(this.dataPath, actual.digest);
      await rm(this.dir, { recursive: true, force: true });
      return actual;
    } catch (err) {
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
    if (!options.keepPartial) await rm(this.dir, { recursive: true, force: true });
    await this.lock.release();
  }
}
