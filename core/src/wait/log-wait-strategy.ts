import { followLogs } from '../engine/containers-api.js';
import { demuxToText } from '../engine/demux-stream.js';
import { WaitFailedError, WaitTimeoutError } from '../errors.js';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

/**
 * Follows the container's output from its (re)start and waits for `times` lines matching
 * `message` (a substring or a RegExp). Output from before the start never counts.
 */
export class LogWaitStrategy extends AbstractWaitStrategy {
  constructor(
    private readonly message: string | RegExp,
    private readonly times = 1,
  ) {
    super();
  }

  describe(): string {
    const m = typeof this.message === 'string' ? JSON.stringify(this.message) : String(this.message);
    return `Wait.forLogMessage(${m}${this.times !== 1 ? `, ${this.times}` : ''})`;
  }

  private matches(line: string): boolean {
    return typeof this.message === 'string' ? line.includes(this.message) : this.message.test(line);
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const deadline = ctx.deadline.narrow(this.timeoutMs);
    const since = ctx.startedAt.getTime() / 1000;
    const raw = await followLogs(ctx.client, ctx.containerId, { since: since > 0 ? since.toFixed(3) : 0 });
    const text = demuxToText(raw);
    let count = 0;
    let partial = '';
    let lastLine = '';
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        text.destroy();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new WaitTimeoutError(this.describe(), deadline.timeoutMs, this.seen)),
        deadline.remainingMs(),
      );
      const onAbort = () => finish(ctx.signal.reason as Error);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      text.setEncoding('utf8');
      text.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          lastLine = line;
          if (this.matches(line)) count++;
        }
        this.seen = `${count} of ${this.times} matching lines; last line: ${JSON.stringify(lastLine.slice(0, 200))}`;
        if (count >= this.times) finish();
      });
      text.on('end', () => {
        if (partial && this.matches(partial)) count++;
        if (count >= this.times) finish();
        else
          finish(
            new WaitFailedError(
              this.describe(),
              `the log stream ended after ${count} of ${this.times} matches`,
            ),
          );
      });
      text.on('error', (err) => finish(err));
    });
  }
}
