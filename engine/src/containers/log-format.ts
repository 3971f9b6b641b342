import type { OutputStream } from './container-service.js';

/**
 * The container log file format: append-only frames, one per line of output (or per piece of a
 * line that arrived without its newline yet). Binary, so any bytes survive; a trailer repeating
 * the frame length lets `tail` walk backwards from the end without reading the whole file.
 *
 *   offset 0   u8      stream: 1 stdout, 2 stderr
 *   offset 1   u8      flags: bit 0 = partial (the line continues in a later frame)
 *   offset 2   u16     reserved, 0
 *   offset 4   u32 BE  payload length
 *   offset 8   i64 BE  time, nanoseconds since the epoch
 *   offset 16  payload
 *   then       u32 BE  frame length (16 + payload + 4)
 */
export const FRAME_HEADER = 16;
export const FRAME_TRAILER = 4;
export const FLAG_PARTIAL = 1;

export interface LogFrame {
  stream: OutputStream;
  partial: boolean;
  timeNano: bigint;
  data: Buffer;
}

export function streamCode(stream: OutputStream): number {
  return stream === 'stdout' ? 1 : 2;
}

/** Splits output into line frames, one buffer each. */
export function encodeFrameList(stream: OutputStream, data: Buffer, timeNano: bigint): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(10, start);
    const end = nl < 0 ? data.length : nl + 1;
    parts.push(encodeFrame(stream, data.subarray(start, end), timeNano, nl < 0));
    start = end;
  }
  return parts;
}

/** Splits output into line frames and encodes them into one buffer for a single append. */
export function encodeFrames(stream: OutputStream, data: Buffer, timeNano: bigint): Buffer {
  const parts = encodeFrameList(stream, data, timeNano);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

export function encodeFrame(
  stream: OutputStream,
  payload: Buffer,
  timeNano: bigint,
  partial: boolean,
): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length + FRAME_TRAILER);
  frame.writeUInt8(streamCode(stream), 0);
  frame.writeUInt8(partial ? FLAG_PARTIAL : 0, 1);
  frame.writeUInt16BE(0, 2);
  frame.writeUInt32BE(payload.length, 4);
  frame.writeBigInt64BE(timeNano, 8);
  payload.copy(frame, FRAME_HEADER);
  frame.writeUInt32BE(frame.length, FRAME_HEADER + payload.length);
  return frame;
}

/**
 * Decodes the complete frames at the start of `buf`; returns them and the number of bytes used.
 * A frame with a bad stream code or inconsistent trailer means the file is corrupt from there on.
 */
export function decodeFrames(buf: Buffer): { frames: LogFrame[]; used: number; corrupt: boolean } {
  const frames: LogFrame[] = [];
  let pos = 0;
  while (buf.length - pos >= FRAME_HEADER) {
    const code = buf.readUInt8(pos);
    const len = buf.readUInt32BE(pos + 4);
    const total = FRAME_HEADER + len + FRAME_TRAILER;
    if (code !== 1 && code !== 2) return { frames, used: pos, corrupt: true };
    if (buf.length - pos < total) break;
    if (buf.readUInt32BE(pos + total - FRAME_TRAILER) !== total) return { frames, used: pos, corrupt: true };
    frames.push({
      stream: code === 1 ? 'stdout' : 'stderr',
      partial: (buf.readUInt8(pos + 1) & FLAG_PARTIAL) !== 0,
      timeNano: buf.readBigInt64BE(pos + 8),
      data: Buffer.from(buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len)),
    });
    pos += total;
  }
  return { frames, used: pos, corrupt: false };
}

/** RFC 3339 with nine fractional digits, as `docker logs -t` prints (moby's RFC3339NanoFixed). */
export function formatTimestampNano(timeNano: bigint): string {
  const ms = Number(timeNano / 1_000_000n);
  const iso = new Date(ms).toISOString();
  const nanos = (timeNano % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${nanos}Z`;
}
