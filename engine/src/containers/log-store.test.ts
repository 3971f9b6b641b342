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
});
