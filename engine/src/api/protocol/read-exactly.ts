import type { Readable } from 'node:stream';

/**
 * Reads exactly `length` bytes: first from `initial` (bytes Node already read past the headers of
 * an upgrade request), then from `stream`. Whatever arrives beyond is put back with `unshift`, so
 * the next reader sees it first — on a hijacked connection those bytes are already stdin.
 */
export function readExactly(stream: Readable, length: number, initial: Buffer): Promise<Buffer> {
  if (initial.length >= length) {
    if (initial.length > length) stream.unshift(initial.subarray(length));
    return Promise.resolve(initial.subarray(0, length));
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [initial];
    let have = initial.length;
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onEnd);
    };
    const onReadable = () => {
      for (;;) {
        const chunk: Buffer | null = stream.read();
        if (chunk === null) return;
        const need = length - have;
        if (chunk.length >= need) {
          parts.push(chunk.subarray(0, need));
          cleanup();
          if (chunk.length > need) stream.unshift(chunk.subarray(need));
          resolve(Buffer.concat(parts, length));
          return;
        }
        parts.push(chunk);
        have += chunk.length;
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`connection ended after ${have} of ${length} body bytes`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
  });
}
