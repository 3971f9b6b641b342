import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { errorMessage, InvalidArgumentError, SkiffError } from '../../errors.js';
import { normalizeEntryPath } from '../../layers/archive-path.js';
import { baseSource, joinSource, parentSource, type SourceEntry, type SourceTree } from './source-tree.js';

interface TarRecord {
  entry: SourceEntry;
  /** Where a regular file's bytes start in the spool file. */
  offset: number;
  digest?: string;
}

export interface ReceiveTarOptions {
  /** Where the spool file goes: on disk, not in memory (a context can be larger than RAM). */
  spoolDir: string;
  label?: string;
  signal?: AbortSignal;
}

/** Prefix of spool files; the pid after it lets a later engine remove a crashed one's leftovers. */
export const SPOOL_PREFIX = 'context-';

/**
 * A build context uploaded as a tar (`POST /build`), received in one streaming pass: file bytes
 * are appended to one spool file on disk and hashed on the way, the tree itself (names, modes,
 * links, offsets, digests) is indexed in memory. Nothing is extracted: COPY reads byte ranges of
 * the spool, and cache keys use the digests computed while receiving, so an unchanged context
 * costs one read of the upload and no file creation at all.
 */
export class TarContext implements SourceTree {
  readonly linkScope = 'context' as const;
  private readonly records = new Map<string, TarRecord>();
  private readonly children = new Map<string, Set<string>>();
  private closed = false;

  private constructor(
    readonly label: string,
    private readonly spoolFile: string,
  ) {
    this.records.set('', { entry: dirEntry(0o755, new Date(0)), offset: 0 });
  }

  /** Reads a whole (uncompressed) context tar. Rejects, leaving nothing behind, on a malformed or hostile archive. */
  static async receive(tar: Readable, options: ReceiveTarOptions): Promise<TarContext> {
    await mkdir(options.spoolDir, { recursive: true, mode: 0o700 });
    const spool = path.join(
      options.spoolDir,
      `${SPOOL_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    const context = new TarContext(options.label ?? 'build context', spool);
    try {
      await context.ingest(tar, options.signal);
      return context;
    } catch (err: unknown) {
      await rm(spool, { force: true });
      if (err instanceof SkiffError) throw err;
      throw new InvalidArgumentError(`the build context is not a valid tar archive: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  get fileCount(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.entry.kind === 'file') n++;
    return n;
  }

  async lstat(rel: string): Promise<SourceEntry | undefined> {
    return this.records.get(rel)?.entry;
  }

  async readdir(rel: string): Promise<string[]> {
    return [...(this.children.get(rel) ?? [])].sort();
  }

  open(rel: string): Readable {
    const record = this.records.get(rel);
    if (record?.entry.kind !== 'file' || record.entry.size === 0) return Readable.from([]);
    return createReadStream(this.spoolFile, {
      start: record.offset,
      end: record.offset + record.entry.size - 1,
      highWaterMark: 1 << 20,
    });
  }

  childrenSync(rel: string): [string, SourceEntry][] {
    const out: [string, SourceEntry][] = [];
    for (const name of [...(this.children.get(rel) ?? [])].sort()) {
      const record = this.records.get(joinSource(rel, name));
      if (record) out.push([name, record.entry]);
    }
    return out;
  }

  knownDigest(rel: string): string | undefined {
    return this.records.get(rel)?.digest;
  }

  async digest(rel: string): Promise<string> {
    const digest = this.records.get(rel)?.digest;
    if (digest === undefined) throw new InvalidArgumentError(`${rel} is not a file of the build context`);
    return digest;
  }

  /** A regular file's whole content (the Dockerfile), refused above `limit` bytes. */
  async readText(rel: string, limit: number): Promise<string | undefined> {
    const record = this.records.get(rel);
    if (record?.entry.kind !== 'file') return undefined;
    if (record.entry.size > limit) {
      throw new InvalidArgumentError(`${rel} is ${record.entry.size} bytes, more than the ${limit} allowed`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of this.open(rel)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Removes a path from the tree (the daemon drops an ignored Dockerfile and `.dockerignore`). */
  hide(rel: string): void {
    if (!this.records.delete(rel)) return;
    this.children.get(parentSource(rel))?.delete(baseSource(rel));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await rm(this.spoolFile, { force: true });
  }

  /**
   * One pass over the upload with tar-stream's callback API (an async iterator costs several
   * promises per entry, which a 10,000-file context feels): file bytes are hashed as they pass and
   * gathered into ~1 MiB writes to the spool file.
   */
  private async ingest(tar: Readable, signal: AbortSignal | undefined): Promise<void> {
    const out = createWriteStream(this.spoolFile, { flags: 'wx', mode: 0o600 });
    let outFailure: unknown;
    out.on('error', (err) => {
      outFailure ??= err;
    });
    let offset = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (batchBytes === 0) return;
      const data = batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      if (!out.write(data)) await drainOrClose(out);
      if (outFailure) throw outFailure;
    };
    const parser = extract();
    parser.on('entry', (header, stream, next) => {
      const done = (err?: unknown) => next(err === undefined ? undefined : toError(err));
      // The parser reports failures itself; the entry's copy of them must not go unhandled.
      stream.on('error', () => {});
      let rel: string;
      try {
        rel = normalizeEntryPath(header.name);
      } catch (err: unknown) {
        stream.resume();
        done(err);
        return;
      }
      const type = header.type ?? 'file';
      if (type !== 'file' && type !== 'contiguous-file') {
        stream.on('end', () => {
          try {
            this.addSpecial(rel, header);
            done();
          } catch (err: unknown) {
            done(err);
          }
        });
        stream.resume();
        return;
      }
      const hash = createHash('sha256');
      const start = offset;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        hash.update(chunk);
        offset += chunk.length;
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= FLUSH_BYTES) {
          // A large file: write it out as it comes, never holding more than ~1 MiB.
          stream.pause();
          flush().then(
            () => stream.resume(),
            (err: unknown) => parser.destroy(toError(err)),
          );
        }
      });
      stream.on('end', () => {
        this.add(rel, {
          entry: { ...attrs(header), kind: 'file', size: offset - start },
          offset: start,
          digest: `sha256:${hash.digest('hex')}`,
        });
        if (batchBytes < FLUSH_BYTES) done();
        else flush().then(() => done(), done);
      });
    });
    const finished = new Promise<void>((resolve, reject) => {
      parser.on('finish', () => resolve());
      parser.on('error', reject);
      parser.on('close', () => resolve());
    });
    finished.catch(() => {});
    try {
      for await (const chunk of tar) {
        if (signal?.aborted) throw new SkiffError('SKIFF_BUILD_CANCELLED', 'the client went away');
        if (!parser.write(chunk as Buffer)) await drainOrClose(parser);
        if (parser.destroyed) break;
      }
      parser.end(undefined);
      await finished;
      await flush();
      out.end();
      await new Promise<void>((resolve, reject) => {
        if (outFailure) reject(outFailure);
        out.once('finish', () => resolve());
        out.once('error', reject);
      });
    } catch (err) {
      parser.destroy();
      out.destroy();
      throw err;
    }
  }

  private addSpecial(rel: string, header: Header): void {
    if (rel === '') return;
    const type = header.type;
    if (type === 'directory') {
      this.add(rel, { entry: { ...attrs(header), kind: 'directory', size: 0 }, offset: 0 });
    } else if (type === 'symlink') {
      this.add(rel, {
        entry: { ...attrs(header), kind: 'symlink', size: 0, linkname: header.linkname ?? '' },
        offset: 0,
      });
    } else if (type === 'link') {
      const target = this.records.get(normalizeEntryPath(header.linkname ?? '', 'hardlink target'));
      if (target?.entry.kind === 'file') this.add(rel, { ...target, entry: { ...target.entry } });
    }
    // FIFOs and device nodes mean nothing in a build context: skipped, as the docker CLI does.
  }

  private add(rel: string, record: TarRecord): void {
    const existing = this.records.get(rel);
    // A directory entry after files inside it only updates the directory's attributes.
    if (existing?.entry.kind === 'directory' && record.entry.kind === 'directory') {
      existing.entry = record.entry;
      return;
    }
    if (existing?.entry.kind === 'directory') this.dropTree(rel);
    this.ensureDir(parentSource(rel));
    this.records.set(rel, record);
    this.childrenOf(parentSource(rel)).add(baseSource(rel));
  }

  private ensureDir(rel: string): void {
    const existing = this.records.get(rel);
    if (existing?.entry.kind === 'directory') return;
    if (rel !== '') {
      this.ensureDir(parentSource(rel));
      this.childrenOf(parentSource(rel)).add(baseSource(rel));
    }
    this.records.set(rel, { entry: dirEntry(0o755, new Date(0)), offset: 0 });
  }

  private dropTree(rel: string): void {
    for (const name of this.children.get(rel) ?? []) this.dropTree(joinSource(rel, name));
    this.children.delete(rel);
    this.records.delete(rel);
  }

  private childrenOf(rel: string): Set<string> {
    let set = this.children.get(rel);
    if (!set) {
      set = new Set();
      this.children.set(rel, set);
    }
    return set;
  }
}

/** Spool writes are gathered up to this size. */
const FLUSH_BYTES = 1 << 20;

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function drainOrClose(stream: NodeJS.EventEmitter & { destroyed?: boolean }): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function attrs(header: Header): Omit<SourceEntry, 'kind' | 'size'> {
  return {
    mode: (header.mode ?? 0o644) & 0o7777,
    mtime: header.mtime ?? new Date(0),
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
  };
}

function dirEntry(mode: number, mtime: Date): SourceEntry {
  return { kind: 'directory', mode, size: 0, mtime, uid: 0, gid: 0 };
}
