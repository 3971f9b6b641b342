import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes with backpressure: waits for `drain` when the socket's buffer is full, and gives up
 * (returns false) when the peer went away, so a slow or vanished client never makes the engine
 * buffer a container's whole output in memory.
 */
export async function writeChunk(
  out: Writable,
  chunk: Uint8Array | string,
  signal: AbortSignal,
): Promise<boolean> {
  if (out.destroyed || out.writableEnded || signal.aborted) return false;
  if (out.write(chunk)) return true;
  try {
    await once(out, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * Iterates `source` until it ends or `signal` aborts. On abort the iterator's `return()` is called
 * at once even if the source is blocked waiting for data (a `logs -f` of a quiet container), so
 * nothing stays subscribed after the client disconnects.
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    onAbort = () => resolve({ done: true, value: undefined });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    for (;;) {
      const result = await Promise.race([iterator.next(), aborted]);
      if (result.done) return;
      yield result.value;
    }
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    // Do not await: a source blocked in next() may only settle later; its cleanup runs then.
    void iterator.return?.()?.catch(() => undefined);
  }
}
