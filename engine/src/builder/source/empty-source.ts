import { Readable } from 'node:stream';
import type { SourceEntry, SourceTree } from './source-tree.js';

/** The root filesystem of `scratch`: an empty directory. */
export class EmptySource implements SourceTree {
  readonly linkScope = 'root' as const;
  readonly identity = 'scratch';

  constructor(readonly label: string) {}

  async lstat(rel: string): Promise<SourceEntry | undefined> {
    return rel === ''
      ? { kind: 'directory', mode: 0o755, size: 0, mtime: new Date(0), uid: 0, gid: 0 }
      : undefined;
  }

  async readdir(): Promise<string[]> {
    return [];
  }

  open(): Readable {
    return Readable.from([]);
  }

  async digest(): Promise<string> {
    return 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  }
}
