import { type Header, pack } from 'tar-stream';

/** One entry of an in-memory test archive; `data` only for files. */
export type TarEntrySpec = Partial<Header> & { name: string; data?: string | Uint8Array };

const EPOCH = new Date('2024-01-02T03:04:05Z');

/**
 * Builds a tar in memory with tar-stream, for tests of code that reads layers and archives.
 * Defaults keep archives deterministic: mode 0644/0755, uid/gid 0, a fixed mtime.
 */
export async function buildTar(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const { data, ...header } of entries) {
    const type = header.type ?? 'file';
    const full: Header = {
      mode: type === 'directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: EPOCH,
      size: 0,
      linkname: '',
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      ...header,
      type,
    };
    await new Promise<void>((resolve, reject) => {
      p.entry(full, data === undefined ? Buffer.alloc(0) : Buffer.from(data), (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }
  p.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** A deterministic pseudo-random buffer (xorshift), so tests can build large incompressible files. */
export function noise(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
