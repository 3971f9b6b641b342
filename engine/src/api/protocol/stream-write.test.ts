import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { abortable, writeChunk } from './stream-write.js';

describe('abortable iteration', () => {
  it('stops a source blocked waiting for data as soon as the signal aborts, and returns the iterator', async () => {
    let returned = false;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const controller = new AbortController();
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of abortable(source, controller.signal)) got.push(v);
    })();
    setTimeout(() => controller.abort(), 20);
    await loop;
    expect(got).toEqual([]);
    expect(returned).toBe(true);
  });

  it('passes values through until the source ends', async () => {
    async function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    const got: number[] = [];
    for await (const v of abortable(three(), new AbortController().signal)) got.push(v);
    expect(got).toEqual([1, 2, 3]);
  });
});

describe('writes with backpressure', () => {
  it('waits for drain when the buffer is full and gives up when the peer goes away', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const controller = new AbortController();
    expect(await writeChunk(out, 'ab', controller.signal)).toBe(true);
    const pending = writeChunk(out, 'cdefgh', controller.signal);
    setTimeout(() => out.read(), 10);
    expect(await pending).toBe(true);
    const blocked = writeChunk(out, 'x'.repeat(64), controller.signal);
    setTimeout(() => controller.abort(), 10);
    expect(await blocked).toBe(false);
    out.destroy();
    expect(await writeChunk(out, 'late', controller.signal)).toBe(false);
  });
});
