import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';

/**
 * Splits Docker's multiplexed stdio framing (8-byte header: stream byte, 3 zero bytes, big-endian
 * length) into stdout and stderr. A first byte that is not 0/1/2 means the body is raw (TTY), which
 * is passed through to stdout unchanged, as docker-modem does.
 */
export class StdioDemuxer extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private raw: boolean | undefined;

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.raw === undefined) this.raw = chunk.length > 0 && chunk[0]! > 2;
    if (this.raw) {
      this.emitChunk(1, chunk);
      done();
      return;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 8) {
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + size) break;
      const stream = this.buffer[0]!;
      this.emitChunk(stream, this.buffer.subarray(8, 8 + size));
      this.buffer = this.buffer.subarray(8 + size);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.buffer.length > 0) this.emitChunk(1, this.buffer);
    done();
  }

  private emitChunk(stream: number, data: Buffer): void {
    this.push({ stream: stream === 2 ? 'stderr' : 'stdout', data: Buffer.from(data) });
  }
}

export interface StdioChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** Reads a whole multiplexed body into stdout, stderr and both interleaved. */
export async function collectStdio(
  body: Readable,
): Promise<{ stdout: string; stderr: string; output: string }> {
  const demux = new StdioDemuxer();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  body.pipe(demux);
  for await (const chunk of demux as AsyncIterable<StdioChunk>) {
    (chunk.stream === 'stderr' ? err : out).push(chunk.data);
    all.push(chunk.data);
  }
  return {
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    output: Buffer.concat(all).toString('utf8'),
  };
}

/** A readable of the demultiplexed text (stdout and stderr interleaved), for log consumers. */
export function demuxToText(body: Readable): Readable {
  const demux = new StdioDemuxer();
  const text = new PassThrough();
  demux.on('data', (chunk: StdioChunk) => text.write(chunk.data));
  demux.on('end', () => text.end());
  body.on('error', (err) => text.destroy(err));
  text.on('close', () => body.destroy());
  body.pipe(demux);
  return text;
}
