import { FrameDecoder } from '../api/protocol/multiplexed-stream.js';
import type { EnvironmentEngine } from './environment-engine.js';

const COLORS = [36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96];

/**
 * Interleaves the logs of several services on one output the way docker compose does: whole
 * lines, each prefixed with its service name padded to the widest (`db    | …`), coloured per
 * service on a terminal. A partial line waits for its end (or for the stream to end).
 */
export class LogPrefixer {
  private readonly width: number;
  private readonly colors = new Map<string, number>();

  constructor(
    services: readonly string[],
    private readonly write: (text: string) => void,
    private readonly color: boolean,
  ) {
    this.width = Math.max(0, ...services.map((s) => s.length));
    services.forEach((s, i) => {
      this.colors.set(s, COLORS[i % COLORS.length] ?? 36);
    });
  }

  prefix(service: string): string {
    const label = `${service.padEnd(this.width)} | `;
    return this.color ? `\u001b[${this.colors.get(service) ?? 36}m${label}\u001b[0m` : label;
  }

  /** A line splitter for one service's stream; call `end()` when the stream ends. */
  lines(service: string): { push(text: string): void; end(): void } {
    let partial = '';
    return {
      push: (text) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        if (parts.length > 0) this.write(parts.map((l) => `${this.prefix(service)}${l}\n`).join(''));
      },
      end: () => {
        if (partial !== '') this.write(`${this.prefix(service)}${partial}\n`);
        partial = '';
      },
    };
  }

  /**
   * Streams one container's log (from `tail` lines back, or all) until it ends: when the container
   * stops with `follow`, or at once without. stdout and stderr go to the same output, as in compose.
   */
  async follow(
    engine: EnvironmentEngine,
    service: string,
    containerId: string,
    options: {
      follow: boolean;
      tty: boolean;
      tail?: string;
      since?: string;
      until?: string;
      timestamps?: boolean;
      signal?: AbortSignal;
    },
  ): Promise<void> {
    const { tty: _tty, signal: _signal, ...query } = options;
    const stream = await engine.containerLogs(containerId, query);
    const onAbort = () => stream.destroy();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const out = this.lines(service);
    const decoder = options.tty ? undefined : new FrameDecoder();
    try {
      for await (const chunk of stream) {
        if (!decoder) out.push((chunk as Buffer).toString('utf8'));
        else for (const f of decoder.push(chunk as Buffer)) out.push(f.payload.toString('utf8'));
      }
    } catch (err: unknown) {
      if (!options.signal?.aborted) throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      out.end();
    }
  }
}
