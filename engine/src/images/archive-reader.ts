import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { ContentStore } from '../content/content-store.js';
import { type Digest, sha256 } from '../content/digest.js';
import { DigestMismatchError, InvalidArgumentError, UnsafeArchiveError } from '../errors.js';
import { confineLinkTarget, normalizeEntryPath, parentOf } from '../layers/archive-path.js';
import { waitDrain } from '../layers/wait-drain.js';

/** A file of the archive: small ones in memory, large ones already in the content store. */
export type ArchiveFile = { kind: 'memory'; data: Buffer } | { kind: 'blob'; digest: Digest; size: number };

/** Files up to this size stay in memory (configs, manifests, JSON) while the archive is read. */
const MEMORY_FILE_LIMIT = 1 << 20;
/** All in-memory files together stay under this; further files go to the content store. */
const MEMORY_TOTAL_LIMIT = 256 << 20;
/** JSON documents (manifest.json, index.json, configs) larger than this are refused. */
const MAX_JSON_BYTES = 16 << 20;
const MAX_LINK_HOPS = 16;

/**
 * The files of an image archive (`docker save` output), read once from a stream. Nothing from the
 * archive touches the filesystem by name: paths are only keys, normalised so `..` cannot escape
 * the archive, and symlinks (legacy saves link duplicate `layer.tar`s) are resolved inside it.
 */
export class ArchiveReader {
  private readonly files = new Map<string, ArchiveFile>();
  private readonly links = new Map<string, string>();
  /** Blobs this reader put into the content store (the caller deletes those no image uses). */
  readonly ingested = new Set<Digest>();

  private constructor(private readonly content: ContentStore) {}

  static async read(content: ContentStore, tar: Readable): Promise<ArchiveReader> {
    const reader = new ArchiveReader(content);
    await reader.consume(tar);
    return reader;
  }

  has(name: string): boolean {
    try {
      return this.lookup(name, name) !== undefined;
    } catch {
      return false;
    }
  }

  /** The file at `name` (a path from manifest.json or an OCI blob path); throws when absent. */
  file(name: string, what: string): ArchiveFile {
    const found = this.lookup(name, what);
    if (!found) {
      throw new InvalidArgumentError(`the archive has no ${JSON.stringify(name)}, which ${what} names`);
    }
    return found;
  }

  async json(name: string, what: string): Promise<{ bytes: Buffer; value: unknown }> {
    const bytes = await this.bytes(this.file(name, what), name);
    try {
      return { bytes, value: JSON.parse(bytes.toString('utf8')) };
    } catch (err) {
      throw new InvalidArgumentError(`${name} in the archive is not valid JSON: ${(err as Error).message}`);
    }
  }

  async bytes(file: ArchiveFile, name: string): Promise<Buffer> {
    if (file.kind === 'memory') return file.data;
    if (file.size > MAX_JSON_BYTES) {
      throw new InvalidArgumentError(
        `${name} in the archive is ${file.size} bytes; documents over 16 MiB are refused`,
      );
    }
    return this.content.readBuffer(file.digest);
  }

  /** Puts a file into the content store (if it is not there yet) and returns its digest and size. */
  async store(file: ArchiveFile): Promise<{ digest: Digest; size: number }> {
    if (file.kind === 'blob') return { digest: file.digest, size: file.size };
    const info = await this.content.put(file.data);
    this.ingested.add(info.digest);
    return info;
  }

  /** The digest a file's content has, without storing it. */
  digestOf(file: ArchiveFile): Digest {
    return file.kind === 'blob' ? file.digest : sha256(file.data);
  }

  /** OCI layout blob paths must hold what their name says. */
  verifyBlobPath(name: string, file: ArchiveFile): void {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(normalizeEntryPath(name, 'archive'));
    if (!m) return;
    const actual = this.digestOf(file);
    if (actual !== `sha256:${m[1]}`)
      throw new DigestMismatchError(`sha256:${m[1]}`, actual, `archive blob ${name}`);
  }

  private lookup(name: string, what: string): ArchiveFile | undefined {
    let p = normalizeEntryPath(name, `${what} path`);
    for (let hops = 0; hops <= MAX_LINK_HOPS; hops++) {
      const file = this.files.get(p);
      if (file) return file;
      const next = this.links.get(p);
      if (next === undefined) return undefined;
      p = next;
    }
    throw new UnsafeArchiveError(name, 'too many levels of links inside the archive');
  }

  private async consume(tar: Readable): Promise<void> {
    const parser = extract();
    let memoryTotal = 0;
    const done = new Promise<void>((resolve, reject) => {
      parser.on('finish', () => resolve());
      parser.on('error', reject);
    });
    parser.on('entry', (header, stream, next) => {
      stream.on('error', () => {});
      const handle = async () => {
        const name = normalizeEntryPath(header.name);
        if (header.type === 'symlink' || header.type === 'link') {
          const target =
            header.type === 'symlink'
              ? archiveLinkTarget(name, header.linkname)
              : normalizeEntryPath(header.linkname ?? '', 'link target');
          this.links.set(name, target);
          stream.resume();
          return;
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') {
          stream.resume();
          return;
        }
        if (header.size <= MEMORY_FILE_LIMIT && memoryTotal + header.size <= MEMORY_TOTAL_LIMIT) {
          const chunks: Buffer[] = [];
          for await (const c of stream) chunks.push(c as Buffer);
          memoryTotal += header.size;
          this.files.set(name, { kind: 'memory', data: Buffer.concat(chunks) });
          return;
        }
        const writer = await this.content.writer();
        try {
          for await (const c of stream) {
            if (!writer.stream.write(c as Buffer)) await once(writer.stream, 'drain');
          }
          const info = await writer.commit();
          this.ingested.add(info.digest);
          this.files.set(name, { kind: 'blob', digest: info.digest, size: info.size });
        } catch (err) {
          await writer.abort();
          throw err;
        }
      };
      handle().then(
        () => next(),
        (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
      );
    });
    try {
      for await (const chunk of tar) {
        if (!parser.write(chunk as Buffer)) await waitDrain(parser);
        if (parser.destroyed) break;
      }
      parser.end(undefined);
      await done;
    } catch (err) {
      parser.destroy();
      throw err instanceof Error && !('code' in err)
        ? new InvalidArgumentError(`the image archive is not a valid tar: ${err.message}`, { cause: err })
        : err;
    }
  }
}

/** A symlink target inside the archive; one that leaves it is hostile. */
function archiveLinkTarget(from: string, linkname: string | null | undefined): string {
  const target = linkname ?? '';
  if (target.startsWith('/'))
    throw new UnsafeArchiveError(from, 'symlink with an absolute target in an image archive');
  let depth = parentOf(from).split('/').filter(Boolean).length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0)
      throw new UnsafeArchiveError(from, `symlink to ${JSON.stringify(target)} leaves the archive`);
  }
  return confineLinkTarget(from, target);
}
