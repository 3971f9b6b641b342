import { describe, expect, it } from 'vitest';
import { ChunkQueue } from './chunk-queue.js';

describe('ChunkQueue', () => {
  it('keeps the weight of what is unread and tells when the reader takes an item', async () => {
    let consumed = 0;
    const q = new ChunkQueue<string>({ weigh: (s) => s.length, onConsumed: () => consumed++ });
    q.push('abc');
    q.push('de');
    expect(q.pendingWeight).toBe(5);
    const it = q[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe('abc');
    expect(q.pendingWeight).toBe(2);
    expect(consumed).toBe(1);
    q.end();
    expect((await it.next()).value).toBe('de');
    expect((await it.next()).done).toBe(true);
    expect(q.pendingWeight).toBe(0);
    expect(q.isAbandoned).toBe(false);
  });

  it('is abandoned when the reader stops early: queued items dropped, pushes ignored, producer told', async () => {
    let consumed = 0;
    const q = new ChunkQueue<string>({ weigh: (s) => s.length, onConsumed: () => consumed++ });
    q.push('a');
    q.push('bb');
    for await (const item of q) {
      expect(item).toBe('a');
      break;
    }
    expect(q.isAbandoned).toBe(true);
    expect(q.pendingWeight).toBe(0);
    expect(consumed).toBe(2);
    q.push('ccc');
    expect(q.size).toBe(0);
  });

  it('throws the error it was ended with after the queued items', async () => {
    const q = new ChunkQueue<number>();
    q.push(1);
    q.end(new Error('cut off'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of q) seen.push(n);
      })(),
    ).rejects.toThrow('cut off');
    expect(seen).toEqual([1]);
  });
});
