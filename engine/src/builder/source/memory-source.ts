import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { SourceEntry, SourceTree } from './source-tree.js';

/** A file held in memory (a COPY heredoc). */
export interface MemoryFile {
  name: string;
  content: Buffer;
  mode: number;
  mtime: Date;
}

/** A flat tree of in-memory files: what `COPY <<EOF /dest` copies from. */
export class MemorySource implements SourceTree {
  readonly linkScope = 'context' as const;
  private readonly files = new Map<string, MemoryFile>();

  constructor(
    readonly label: string,
    files: readonly MemoryFile[],
  ) {
    for (const f of files) this.files.set(f.name, f);
  }

  async lstat(rel: string): Promise<SourceEntry | undefined> {
    if (rel === '') return { kind: 'directory', mode: 0o755, size: 0, mtime: new Date(0), uid: 0, gid: 0 };
    const f = this.files.get(rel);
    if (!f) return undefined;
    return { kind: 'file', mode: f.mode, size: f.content.length, mtime: f.mtime, uid: 0, gid: 0 };
  }

  async readdir(rel: string): Promise<string[]> {
    return rel === '' ? [...this.files.keys()].sort() : [];
  }

  open(rel: string): Readable {
    const f = this.files.get(rel);
    return Readable.from(f ? [f.content] : []);
  }

  async digest(rel: string): Promise<string> {
    const f = this.files.get(rel);
    return `sha256:${createHash('sha256')
      .update(f?.content ?? Buffer.alloc(0))
      .digest('hex')}`;
  }
}
