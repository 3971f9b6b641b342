import type { Readable, Writable } from 'node:stream';
import type { Digest } from './digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/**
 * Content-addressed blobs (sha256). Invariant: a blob is visible under its digest only after a
 * writer committed it and its bytes hashed to that digest with the expected size. A crash at any
 * point leaves no partially written blob visible; partial ingests may be resumed.
 */
export interface ContentStore {
  info(digest: Digest): Promise<BlobInfo | undefined>;
  has(digest: Digest): Promise<boolean>;
  /** Streams a committed blob, optionally a byte range (inclusive `start`, exclusive `end`). */
  read(digest: Digest, range?: { start?: number; end?: number }): Readable;
  readBuffer(digest: Digest): Promise<Buffer>;
  /** The file that holds a committed blob, for callers that hand it to other tools. */
  pathOf(digest: Digest): string;
  /**
   * Opens a writer. With `ref`, a previous partial ingest under the same ref is resumed: the
   * writer's `offset` says how many bytes are already there, so a puller can ask for the rest.
   * Two writers with the same ref never run at once: the second waits for the first.
   */
  writer(options?: { ref?: string; expected?: BlobInfo }): Promise<ContentWriter>;
  /** Writes a whole buffer and commits it, verifying `expected` when given. */
  put(data: Uint8Array, expected?: Partial<BlobInfo>): Promise<BlobInfo>;
  delete(digest: Digest): Promise<void>;
  list(): AsyncIterable<BlobInfo>;
}

/** One ingest in progress. It is a Writable; `commit` must be called after the stream finished. */
export interface ContentWriter {
  /** Bytes already held before this writer appended anything (resumed ingest). */
  readonly offset: number;
  readonly stream: Writable;
  /** Verifies digest and size (when known) and makes the blob visible. Rejects and discards on mismatch. */
  commit(expected?: Partial<BlobInfo>): Promise<BlobInfo>;
  /** Discards the ingest (and its resumable data when `keepPartial` is false). */
  abort(options?: { keepPartial?: boolean }): Promise<void>;
}
