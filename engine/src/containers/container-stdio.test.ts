import { describe, expect, it } from 'vitest';
import type { OutputChunk } from './container-service.js';
import { ContainerStdio } from './container-stdio.js';

const chunk = (text: string, stream: OutputChunk['stream'] = 'stdout'): OutputChunk => ({
  stream,
  timeNano: 0n,
  data: Buffer.from(text),
});

async function drain(output: AsyncIterable<OutputChunk>): Promise<{ text: string; error?: string }> {
  let text = '';
  try {
    for await (const c of output) text += c.data.toString();
  } catch (err) {
    return { text, error: (err as Error).message };
  }
  return { text };
}

describe('ContainerStdio', () => {
  it('gives each attached session the streams it asked for, until the run ends', async () => {
    const stdio = new ContainerStdio(false, false);
    const both = stdio.attach({ stdin: false, stdout: true, stderr: true, stream: true });
    const errOnly = stdio.attach({ stdin: false, stdout: false, stderr: true, stream: true });
    stdio.publish(chunk('out\n'));
    stdio.publish(chunk('err\n', 'stderr'));
    stdio.endRun();
    expect(await drain(both.output)).toEqual({ text: 'out\nerr\n' });
    expect(await drain(errOnly.output)).toEqual({ text: 'err\n' });
  });

  it('cuts off a session that leaves more than its backlog unread, and keeps serving the others', async () => {
    const stdio = new ContainerStdio(false, false, 10);
    const slow = stdio.attach({ stdin: false, stdout: true, stderr: true, stream: true });
    const fast = stdio.attach({ stdin: false, stdout: true, stderr: true, stream: true });
    const fastReading = drain(fast.output);
    for (const text of ['aaaa', 'bbbb', 'cccc', 'dddd']) {
      stdio.publish(chunk(text));
      await new Promise((r) => setImmediate(r));
    }
    stdio.endRun();
    // The slow one gets what fit (8 bytes) and then the reason it was detached.
    const slowResult = await drain(slow.output);
    expect(slowResult.text).toBe('aaaabbbb');
    expect(slowResult.error).toMatch(
      /attached client too slow: more than 10 bytes of output unread; detached/,
    );
    expect(await fastReading).toEqual({ text: 'aaaabbbbccccdddd' });
  });
});
