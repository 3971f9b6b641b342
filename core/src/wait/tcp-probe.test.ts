import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpProbe } from './host-port-wait-strategy.js';

/**
 * The server runs in another process so that it closes the connection while this process is
 * busy: exactly the situation of a test process doing CPU work while it probes a port proxy.
 */
async function proxyThatClosesAfter(ms: number): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('node:net').createServer((c) => setTimeout(() => c.end(), ${ms}));
       s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { port: Number(line.toString().trim()), child };
}

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* the test process is busy */
  }
}

describe('tcpProbe', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill();
  });

  it('reports a connection the proxy closes while the prober is busy as not ready', async () => {
    const server = await proxyThatClosesAfter(15);
    child = server.child;
    const probe = tcpProbe('127.0.0.1', server.port, 1000, 25);
    // Busy from 10 ms to 70 ms, in the check phase: the close (at ~15 ms) and the settle timer
    // (at ~25 ms) both become due while this process cannot read, and the next loop iteration
    // runs timers before it reads sockets; the close must still win.
    setTimeout(() => setImmediate(() => busy(60)), 10);
    expect(await probe).toEqual({
      ok: false,
      error: 'accepted, then closed (nothing listening behind the port)',
    });
  });

  it('reports a connection that stays open past the settle time as ready', async () => {
    const server = await proxyThatClosesAfter(5000);
    child = server.child;
    expect(await tcpProbe('127.0.0.1', server.port, 1000, 25)).toEqual({ ok: true });
  });
});
