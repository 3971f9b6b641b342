import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectStdio, demuxToText } from './demux-stream.js';

function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('Docker stdio framing', () => {
  it('splits frames into stdout and stderr, even when chunks cut headers and bodies', async () => {
    const bytes = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err\n'), frame(1, 'out 2\n')]);
    // Cut at every awkward place: inside the first header and inside a body.
    const chunks = [bytes.subarray(0, 3), bytes.subarray(3, 11), bytes.subarray(11)];
    const result = await collectStdio(Readable.from(chunks));
    expect(result).toEqual({ stdout: 'out 1\nout 2\n', stderr: 'err\n', output: 'out 1\nerr\nout 2\n' });
  });

  it('passes a TTY (unframed) body through as stdout', async () => {
    const result = await collectStdio(Readable.from([Buffer.from('plain tty output\n')]));
    expect(result).toEqual({ stdout: 'plain tty output\n', stderr: '', output: 'plain tty output\n' });
  });

  it('handles empty frames and an empty body', async () => {
    expect(await collectStdio(Readable.from([frame(1, ''), frame(2, 'x')]))).toMatchObject({ stderr: 'x' });
    expect(await collectStdio(Readable.from([]))).toEqual({ stdout: '', stderr: '', output: '' });
  });

  it('turns a framed stream into interleaved text', async () => {
    const text = demuxToText(Readable.from([frame(1, 'a'), frame(2, 'b'), frame(1, 'c')]));
    let out = '';
    for await (const chunk of text) out += String(chunk);
    expect(out).toBe('abc');
  });
});
