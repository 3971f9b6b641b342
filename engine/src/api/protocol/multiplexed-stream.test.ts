import { describe, expect, it } from 'vitest';
import {
  encodeFrames,
  FrameDecoder,
  frameHeader,
  MAX_FRAME_PAYLOAD,
  StreamType,
} from './multiplexed-stream.js';

describe('multiplexed stream frames', () => {
  it('writes the 8-byte header: stream byte, three zeros, big-endian length', () => {
    expect([...frameHeader(StreamType.stderr, 0x01020304)]).toEqual([2, 0, 0, 0, 1, 2, 3, 4]);
    const frame = encodeFrames(StreamType.stdout, Buffer.from('hi\n'));
    expect([...frame]).toEqual([1, 0, 0, 0, 0, 0, 0, 3, 0x68, 0x69, 0x0a]);
  });

  it('writes nothing for an empty payload and splits large payloads into several frames', () => {
    expect(encodeFrames(StreamType.stdout, Buffer.alloc(0)).length).toBe(0);
    const big = Buffer.alloc(MAX_FRAME_PAYLOAD * 2 + 5, 0x61);
    const framed = encodeFrames(StreamType.stdout, big);
    expect(framed.length).toBe(big.length + 3 * 8);
    const frames = new FrameDecoder().push(framed);
    expect(frames.map((f) => f.payload.length)).toEqual([MAX_FRAME_PAYLOAD, MAX_FRAME_PAYLOAD, 5]);
  });

  it('decodes frames split at every possible byte boundary', () => {
    const bytes = Buffer.concat([
      encodeFrames(StreamType.stdout, Buffer.from('out')),
      encodeFrames(StreamType.stderr, Buffer.from('error line')),
      encodeFrames(StreamType.systemError, Buffer.from('x')),
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
        [1, 'out'],
        [2, 'error line'],
        [3, 'x'],
      ]);
      expect(d.pending).toBe(0);
    }
  });

  it('falls back to raw passthrough when the first byte is not a stream type, like docker-modem', () => {
    const d = new FrameDecoder();
    const frames = d.push(Buffer.from('plain text output'));
    expect(d.raw).toBe(true);
    expect(frames.map((f) => f.payload.toString())).toEqual(['plain text output']);
    expect(d.push(Buffer.from('more')).map((f) => f.payload.toString())).toEqual(['more']);
  });

  it('reports an incomplete trailing frame as pending', () => {
    const d = new FrameDecoder();
    d.push(encodeFrames(StreamType.stdout, Buffer.from('abcdef')).subarray(0, 10));
    expect(d.pending).toBe(10);
  });
});
