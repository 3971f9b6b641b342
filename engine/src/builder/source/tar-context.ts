import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
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

  private async ingest(tar: Readable, signal: AbortSignal | undefined): Promise<void> {
    const out = createWriteStream(this.spoolFile, { flags: 'wx', mode: 0o600 });
    const outError = new Promise<never>((_, reject) => out.once('error', reject));
    outError.catch(() => {});
    let offset = 0;
    let stopped = false;
    const parser = extract();
    const feed = (async () => {
      for await (const chunk of tar) {
        if (stopped) return;
        if (signal?.aborted) throw new SkiffError('SKIFF_BUILD_CANCELLED', 'the client went away');
        if (!parser.write(chunk as Buffer)) await drainOrClose(parser);
      }
      parser.end(undefined);
    })();
    feed.catch((err: unknown) => parser.destroy(err instanceof Error ? err : new Error(String(err))));
    try {
      for await (const item of parser) {
        const header = item.header;
        const rel = normalizeEntryPath(header.name);
        const type = header.type ?? 'file';
        if (type === 'file' || type === 'contiguous-file') {
          const hash = createHash('sha256');
          const start = offset;
          for await (const chunk of item) {
            const buf = chunk as Buffer;
            hash.update(buf);
            offset += buf.length;
            if (!out.write(buf)) await Promise.race([once(out, 'drain'), outError]);
          }
          this.add(rel, {
            entry: { ...attrs(header), kind: 'file', size: offset - start },
            offset: start,
            digest: `sha256:${hash.digest('hex')}`,
          });
          continue;
        }
        item.resume();
        if (rel === '') continue;
        if (type === 'directory')
          this.add(rel, { entry: { ...attrs(header), kind: 'directory', size: 0 }, offset: 0 });
        else if (type === 'symlink') {
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
      await feed;
      out.end();
      await Promise.race([once(out, 'finish'), outError]);
    } catch (err) {
      stopped = true;
      parser.destroy();
      out.destroy();
      await feed.catch(() => {});
      throw err;
    }
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
