import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noise } from '../layers/testing/tar-fixture.js';
import { runNodeScript, transpileForChild } from '../layers/testing/transpile-for-child.js';
import { sha256 } from './digest.js';
import { LocalContentStore } from './local-content-store.js';

let base: string;
let store: LocalContentStore;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'skiff-content-'));
  store = await new LocalContentStore(path.join(base, 'content')).init();
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function blobs(): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.list()) out.push(b.digest);
  return out;
}

function finished(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
  });
}

describe('LocalContentStore', () => {
  it('stores, reads (whole and by range), lists and deletes blobs by digest', async () => {
    const data = Buffer.from('hello content store');
    const info = await store.put(data);
    expect(info).toEqual({ digest: sha256(data), size: data.length });
    expect(await store.readBuffer(info.digest)).toEqual(data);
    expect((await collect(store.read(info.digest, { start: 6, end: 13 }))).toString()).toBe('content');
    expect(await blobs()).toEqual([info.digest]);
    await store.delete(info.digest);
    expect(await store.has(info.digest)).toBe(false);
    await expect(store.readBuffer(info.digest)).rejects.toMatchObject({ code: 'SKIFF_CONTENT_NOT_FOUND' });
    await expect(collect(store.read(info.digest))).rejects.toMatchObject({ code: 'SKIFF_CONTENT_NOT_FOUND' });
  });

  it('verifies digest and size on commit and stores nothing on a mismatch', async () => {
    const data = noise(10_000);
    await expect(store.put(data, { digest: sha256('other') })).rejects.toMatchObject({
      code: 'SKIFF_DIGEST_MISMATCH',
    });
    await expect(store.put(data, { size: 9_999 })).rejects.toMatchObject({ code: 'SKIFF_DIGEST_MISMATCH' });
    const w = await store.writer({ ref: 'verify' });
    w.stream.end(data);
    await finished(w.stream);
    await expect(w.commit({ digest: sha256('wrong') })).rejects.toThrow(/nothing was stored/);
    expect(await blobs()).toEqual([]);
    // A failed commit also drops the partial ingest: a new writer starts from zero.
    const again = await store.writer({ ref: 'verify' });
    expect(again.offset).toBe(0);
    await again.abort();
  });

  it('stops a writer that goes past the announced size', async () => {
    const w = await store.writer({ expected: { digest: sha256('abc'), size: 3 } });
    const failed = new Promise((resolve) => w.stream.once('error', resolve));
    w.stream.write(Buffer.from('abcdef'));
    expect(await failed).toMatchObject({ code: 'SKIFF_DIGEST_MISMATCH' });
    await w.abort();
    expect(await blobs()).toEqual([]);
  });

  it('resumes an ingest by ref after a partial write', async () => {
    const data = noise(300_000);
    const first = await store.writer({ ref: 'layer-1' });
    expect(first.offset).toBe(0);
    first.stream.end(data.subarray(0, 100_000));
    await finished(first.stream);
    await first.abort({ keepPartial: true });
    const second = await store.writer({ ref: 'layer-1' });
    expect(second.offset).toBe(100_000);
    second.stream.end(data.subarray(100_000));
    await finished(second.stream);
    expect(await second.commit({ digest: sha256(data), size: data.length })).toEqual({
      digest: sha256(data),
      size: data.length,
    });
    expect((await store.readBuffer(sha256(data))).equals(data)).toBe(true);
  });

  it('makes a second writer of the same ref wait until the first is done', async () => {
    const first = await store.writer({ ref: 'shared' });
    first.stream.end(Buffer.from('part'));
    await finished(first.stream);
    let secondOpened = false;
    const second = store.writer({ ref: 'shared' }).then((w) => {
      secondOpened = true;
      return w;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(secondOpened).toBe(false);
    await first.abort({ keepPartial: true });
    const w = await second;
    expect(w.offset).toBe(4);
    w.stream.end(Buffer.from('-rest'));
    await finished(w.stream);
    expect((await w.commit()).digest).toBe(sha256('part-rest'));
  });

  it('shows nothing of a writer killed mid-write, and the next writer resumes its bytes', async () => {
    const src = fileURLToPath(new URL('..', import.meta.url));
    const entry = await transpileForChild(
      path.join(src, 'content/local-content-store.ts'),
      src,
      path.join(base, 'child'),
    );
    const data = noise(200_000);
    const script = `
      const { LocalContentStore } = await import(${JSON.stringify(entry)});
      const store = await new LocalContentStore(${JSON.stringify(path.join(base, 'content'))}).init();
      const w = await store.writer({ ref: 'crash' });
      const data = Buffer.from(${JSON.stringify(data.subarray(0, 50_000).toString('base64'))}, 'base64');
      w.stream.write(data, () => setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50));
    `;
    await expect(runNodeScript(script)).rejects.toThrow(/child exited/);
    expect(await blobs()).toEqual([]);
    expect(await readdir(path.join(base, 'content/blobs/sha256'))).toEqual([]);
    const w = await store.writer({ ref: 'crash' });
    expect(w.offset).toBe(50_000);
    w.stream.end(data.subarray(50_000));
    await finished(w.stream);
    expect((await w.commit({ digest: sha256(data) })).size).toBe(data.length);
  });
});
