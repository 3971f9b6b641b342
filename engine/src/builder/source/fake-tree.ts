import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { baseSource, parentSource, type SourceEntry, type SourceTree } from './source-tree.js';

/** An in-memory tree for unit tests: `dir/` entries, files with content, `link -> target` symlinks. */
export class FakeTree implements SourceTree {
  readonly label: string;
  private readonly entries = new Map<string, SourceEntry & { content?: string }>();

  constructor(
    spec: Record<
      string,
      string | { link: string } | { dir: true; mode?: number } | { content: string; mode: number }
    >,
    readonly linkScope: 'context' | 'root' = 'context',
    label = 'build context',
  ) {
    this.label = label;
    this.entries.set('', { kind: 'directory', mode: 0o755, size: 0, mtime: new Date(0), uid: 0, gid: 0 });
    for (const [rel, value] of Object.entries(spec)) {
      this.ensureParents(rel);
      const base = { size: 0, mtime: new Date(0), uid: 0, gid: 0 };
      if (typeof value === 'string')
        this.entries.set(rel, { ...base, kind: 'file', mode: 0o644, size: value.length, content: value });
      else if ('link' in value)
        this.entries.set(rel, { ...base, kind: 'symlink', mode: 0o777, linkname: value.link });
      else if ('dir' in value)
        this.entries.set(rel, { ...base, kind: 'directory', mode: value.mode ?? 0o755 });
      else
        this.entries.set(rel, {
          ...base,
          kind: 'file',
          mode: value.mode,
          size: value.content.length,
          content: value.content,
        });
    }
  }

  private ensureParents(rel: string): void {
    const parent = parentSource(rel);
    if (parent === '' || this.entries.has(parent)) return;
    this.ensureParents(parent);
    this.entries.set(parent, { kind: 'directory', mode: 0o755, size: 0, mtime: new Date(0), uid: 0, gid: 0 });
  }

  /** Changes a file's mtime only. */
  touch(rel: string, mtime: Date): void {
    const e = this.entries.get(rel);
    if (e) e.mtime = mtime;
  }

  async lstat(rel: string): Promise<SourceEntry | undefined> {
    const e = this.entries.get(rel);
    if (!e) return undefined;
    const { content: _content, ...entry } = e;
    return entry;
  }

  async readdir(rel: string): Promise<string[]> {
    return [...this.entries.keys()]
      .filter((k) => k !== '' && parentSource(k) === rel)
      .map(baseSource)
      .sort();
  }

  open(rel: string): Readable {
    return Readable.from([Buffer.from(this.entries.get(rel)?.content ?? '')]);
  }

  async digest(rel: string): Promise<string> {
    return `sha256:${createHash('sha256')
      .update(this.entries.get(rel)?.content ?? '')
      .digest('hex')}`;
  }
}
