import net from 'node:net';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

/**
 * Opens a TCP connection and keeps it for `settleMs`. Engines publish ports through a userland
 * proxy that accepts at once and closes the connection when the container does not answer, so an
 * accepted connection that is closed right away is "not ready"; one that stays open (or sends
 * data) is ready.
 */
export function tcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  settleMs = 25,
): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: { ok: boolean; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, error: `no answer within ${timeoutMs} ms` }));
    socket.once('connect', () => {
      socket.setTimeout(0);
      // Decide in the check phase after the timer: if the test process was busy past settleMs,
      // the proxy's close may already sit unread in the poll phase, and it must win.
      timer = setTimeout(() => setImmediate(() => finish({ ok: true })), settleMs);
    });
    socket.once('data', () => finish({ ok: true }));
    socket.once('end', () =>
      finish({ ok: false, error: 'accepted, then closed (nothing listening behind the port)' }),
    );
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, error: err.code ?? err.message }),
    );
  });
}

/**
 * Waits until every published TCP port accepts a connection **from the host**. Nothing runs
 * inside the container, so images without a shell work, and polling costs no exec
 * (testcontainers runs three shell execs per port per poll; PR #1437).
 */
export class HostPortWaitStrategy extends AbstractWaitStrategy {
  constructor(private readonly ports?: (number | string)[]) {
    super();
  }

  describe(): string {
    return `Wait.forListeningPorts(${this.ports ? this.ports.join(', ') : ''})`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const wanted = this.ports
      ? this.ports.map((p) => ctx.boundPorts.binding(p))
      : ctx.boundPorts.all().filter((b) => b.protocol === 'tcp');
    const pending = new Set(wanted.filter((b) => b.protocol === 'tcp'));
    await this.poll(ctx, async () => {
      const results = await Promise.all(
        [...pending].map(async (b) => ({ b, r: await tcpProbe(ctx.host, b.hostPort, 1_000) })),
      );
      const failing: string[] = [];
      for (const { b, r } of results) {
        if (r.ok) pending.delete(b);
        else failing.push(`${ctx.host}:${b.hostPort} (container ${b.key}): ${r.error}`);
      }
      this.seen =
        failing.length > 0 ? `not accepting: ${failing.join('; ')}` : 'all ports accept connections';
      return pending.size === 0;
    });
  }
}
