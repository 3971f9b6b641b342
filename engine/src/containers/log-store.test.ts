import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import type { OutputChunk } from './container-service.js';
import { formatTimestampNano } from './log-format.js';
import { type LogReadOptions, LogStore } from './log-store.js';

const S = 1_000_000_000n;

async function collect(it: AsyncIterable<OutputChunk>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of it) out.push(`${c.stream}:${c.data.toString()}`);
  return out;
}

describe('LogStore', () => {
  let dir: string;
  let file: string;
  let store: LogStore;
  const all: LogReadOptions = { stdout: true, stderr: true, follow: false };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-logs-'));
    file = path.join(dir, 'c.log');
    store = new LogStore(silentLogger());
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(chunks: [OutputChunk['stream'], string, bigint][]): Promise<void> {
    const w = store.openWriter('c', file);
    for (const [stream, text, t] of chunks) w.write(stream, Buffer.from(text), t);
    await store.closeWriter('c', w);
  }

  it('keeps stdout and stderr apart and splits lines', async () => {
    await write([
      ['stdout', 'a\nb\n', 1n * S],
      ['stderr', 'e1\n', 2n * S],
    ]);
    expect(await collect(store.read('c', file, all))).toEqual(['stdout:a\n', 'stdout:b\n', 'stderr:e1\n']);
    expect(await collect(store.read('c', file, { ...all, stdout: false }))).toEqual(['stderr:e1\n']);
  });

  it('filters by since and until and keeps history across runs', async () => {
    await write([['stdout', 'run1\n', 10n * S]]);
    await write([['stdout', 'run2\n', 20n * S]]);
    expect(await collect(store.read('c', file, { ...all, since: 15 }))).toEqual(['stdout:run2\n']);
    expect(await collect(store.read('c', file, { ...all, until: 15 }))).toEqual(['stdout:run1\n']);
  });

  it('returns the last N lines with tail, counting a trailing partial line as one', async () => {
    await write([
      ['stdout', 'one\ntwo\nthr', 1n],
      ['stdout', 'ee\nfour', 2n],
    ]);
    expect(await collect(store.read('c', file, { ...all, tail: 2 }))).toEqual([
      'stdout:thr',
      'stdout:ee\n',
      'stdout:four',
    ]);
    expect(await collect(store.read('c', file, { ...all, tail: 0 }))).toEqual([]);
    expect(await collect(store.read('c', file, { ...all, tail: 100 }))).toHaveLength(5);
  });

  it('prefixes timestamps only where a line starts', async () => {
    await write([
      ['stdout', 'par', 5n * S],
      ['stdout', 'tial\n', 6n * S],
    ]);
    const out = await collect(store.read('c', file, { ...all, timestamps: true }));
    expect(out).toEqual([`stdout:${formatTimestampNano(5n * S)} par`, 'stdout:tial\n']);
    expect(formatTimestampNano(5n * S + 7n)).toBe('1970-01-01T00:00:05.000000007Z');
  });

  it('follows a live writer until it closes', async () => {
    const w = store.openWriter('c', file);
    w.write('stdout', Buffer.from('first\n'), 1n);
    const reading = collect(store.read('c', file, { ...all, follow: true }));
    await new Promise((r) => setTimeout(r, 20));
    w.write('stderr', Buffer.from('second\n'), 2n);
    await new Promise((r) => setTimeout(r, 20));
    await store.closeWriter('c', w);
    expect(await reading).toEqual(['stdout:first\n', 'stderr:second\n']);
  });

  it('stops following when the signal aborts', async () => {
    const w = store.openWriter('c', file);
    const ac = new AbortController();
    const reading = collect(store.read('c', file, { ...all, follow: true, signal: ac.signal }));
    w.write('stdout', Buffer.from('x\n'), 1n);
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    expect(await reading).toEqual(['stdout:x\n']);
    await store.closeWriter('c', w);
  });

  it('stops at a corrupt frame instead of returning garbage', async () => {
    await write([['stdout', 'ok\n', 1n]]);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(file, Buffer.from('garbage-bytes-that-are-not-a-frame'));
    expect(await collect(store.read('c', file, all))).toEqual(['stdout:ok\n']);
    await writeFile(file, '');
    expect(await collect(store.read('c', file, all))).toEqual([]);
  });

  describe('with max-size and max-file', () => {
    // Each line `lineNN\n` is one frame of 16 + 7 + 4 = 27 bytes: three fit in 100 bytes.
    const limits = { maxSize: 100, maxFiles: 3 };
    const line = (n: number) => `line${String(n).padStart(2, '0')}\n`;
    const lines = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `stdout:${line(from + i)}`);

    it('rotates the live file past max-size and keeps max-file files in all, oldest dropped', async () => {
      const w = store.openWriter('c', file, limits);
      for (let n = 1; n <= 20; n++) w.write('stdout', Buffer.from(line(n)), BigInt(n) * S);
      await store.closeWriter('c', w);
      const { readdir, stat } = await import('node:fs/promises');
      expect((await readdir(dir)).sort()).toEqual(['c.log', 'c.log.1', 'c.log.2']);
      for (const f of ['c.log', 'c.log.1', 'c.log.2']) {
        expect((await stat(path.join(dir, f))).size).toBeLessThanOrEqual(limits.maxSize);
      }
      // 20 lines, 3 per file: the live file holds 19-20, .1 16-18, .2 13-15; 1-12 are gone.
      expect(await collect(store.read('c', file, all))).toEqual(lines(13, 20));
      expect(await collect(store.read('c', file, { ...all, tail: 4 }))).toEqual(lines(17, 20));
      expect(await collect(store.read('c', file, { ...all, tail: 7 }))).toEqual(lines(14, 20));
      expect(await collect(store.read('c', file, { ...all, tail: 50 }))).toEqual(lines(13, 20));
      expect(await collect(store.read('c', file, { ...all, since: 15, until: 17 }))).toEqual(lines(15, 17));
    });

    it('keeps no rotated file with max-file 1: the live file starts again', async () => {
      const w = store.openWriter('c', file, { maxSize: 100, maxFiles: 1 });
      for (let n = 1; n <= 7; n++) w.write('stdout', Buffer.from(line(n)), BigInt(n) * S);
      await store.closeWriter('c', w);
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(dir)).toEqual(['c.log']);
      expect(await collect(store.read('c', file, all))).toEqual(lines(7, 7));
    });

    it('splits one write of many lines between files, and a follower reads on across rotations', async () => {
      const w = store.openWriter('c', file, limits);
      w.write('stdout', Buffer.from(line(1)), 1n);
      const reading = collect(store.read('c', file, { ...all, follow: true }));
      await new Promise((r) => setTimeout(r, 20));
      for (let n = 2; n <= 8; n += 2) {
        w.write('stdout', Buffer.from(line(n) + line(n + 1)), BigInt(n));
        await new Promise((r) => setTimeout(r, 10));
      }
      await store.closeWriter('c', w);
      expect(await reading).toEqual(lines(1, 9));
      // What is kept afterwards: 9 lines written, 3 files of 3.
      expect(await collect(store.read('c', file, all))).toEqual(lines(1, 9));
    });
  });
});
