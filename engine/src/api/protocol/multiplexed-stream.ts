/**
 * Docker's multiplexed stream format (moby `pkg/stdcopy`): every frame is an 8-byte header —
 * byte 0 the stream (0 stdin, 1 stdout, 2 stderr, 3 system error), bytes 1–3 zero, bytes 4–7 the
 * payload length big-endian — followed by the payload. Used by logs, attach and exec without a TTY.
 */

export const StreamType = { stdin: 0, stdout: 1, stderr: 2, systemError: 3 } as const;
export type StreamTypeCode = (typeof StreamType)[keyof typeof StreamType];

export const FRAME_HEADER_SIZE = 8;
/** Payloads larger than this are split: keeps frames small for readers that buffer whole frames. */
export const MAX_FRAME_PAYLOAD = 32 * 1024;

export function frameHeader(stream: StreamTypeCode, length: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header[0] = stream;
  header.writeUInt32BE(length, 4);
  return header;
}

/** Frames `payload`, splitting it into several frames past MAX_FRAME_PAYLOAD bytes; empty input gives no frame. */
export function encodeFrames(stream: StreamTypeCode, payload: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < payload.length; offset += MAX_FRAME_PAYLOAD) {
    const chunk = payload.subarray(offset, Math.min(payload.length, offset + MAX_FRAME_PAYLOAD));
    parts.push(frameHeader(stream, chunk.length), Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return Buffer.concat(parts);
}

export interface Frame {
  stream: StreamTypeCode;
  payload: Buffer;
}

/**
 * Incremental decoder: feed arbitrary chunks (split anywhere, even inside a header), get whole
 * frames back. A header whose stream byte is not 0–3 means the peer is not multiplexing; like
 * docker-modem's `demuxStream`, the decoder then reports `raw` and passes everything through.
 */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private rawMode = false;

  get raw(): boolean {
    return this.rawMode;
  }

  push(chunk: Buffer): Frame[] {
    if (this.rawMode) return [{ stream: StreamType.stdout, payload: chunk }];
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered.length < FRAME_HEADER_SIZE) break;
      const type = this.buffered[0] ?? 0;
      if (type > StreamType.systemError) {
        this.rawMode = true;
        frames.push({ stream: StreamType.stdout, payload: this.buffered });
        this.buffered = Buffer.alloc(0);
        break;
      }
      const length = this.buffered.readUInt32BE(4);
      if (this.buffered.length < FRAME_HEADER_SIZE + length) break;
      frames.push({
        stream: type as StreamTypeCode,
        payload: this.buffered.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + length),
      });
      this.buffered = this.buffered.subarray(FRAME_HEADER_SIZE + length);
    }
    return frames;
  }

  /** Bytes of an incomplete frame left when the stream ended (a truncated stream). */
  get pending(): number {
    return this.buffered.length;
  }
}
