import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, PortInUseError } from '../errors.js';
import { PortPublisher, type Publication } from './port-publisher.js';

const logger = pino({ level: 'silent' });

/** The "container" is a real TCP echo server on loopback; the proxies forward to it. */
async function echoServer(): Promise<Server & { port: number }> {
  const server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

function roundTrip(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host, () => s.end(text));
    let out = '';
    s.on('data', (d) => {
      out += d;
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('PortPublisher', () => {
  const publisher = new PortPublisher(logger);
  const open: (Publication | Server)[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      if ('ports' in o) await o.close();
      else o.close();
    }
  });

  it('forwards TCP from 127.0.0.1 and ::1 on the same host port, passing half-closes through', async () => {
    const echo = await echoServer();
    open.push(echo);
    const pub = await publisher.publish(
      [{ containerPort: echo.port, protocol: 'tcp', hostIp: '', hostPort: 0 }],
      (port) => () => ({
        host: '127.0.0.1',
        port,
      }),
    );
    open.push(pub);
    const [v4, v6] = pub.ports;
    expect([v4!.hostIp, v6!.hostIp]).toEqual(['127.0.0.1', '::1']);
    expect(v4!.hostPort).toBe(v6!.hostPort);
    expect(await roundTrip('127.0.0.1', v4!.hostPort, 'hello')).toBe('hello');
    expect(await roundTrip('::1', v6!.hostPort, 'hello6')).toBe('hello6');
  });

  it('gives concurrent publications distinct ports without races', async () => {
    const pubs = await Promise.all(
      Array.from({ length: 24 }, () =>
        publisher.publish(
          [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }],
          () => () => undefined,
        ),
      ),
    );
    open.push(...pubs);
    expect(new Set(pubs.map((p) => p.ports[0]!.hostPort)).size).toBe(24);
  });

  it('fails with an error naming the port when it is taken, and releases what it bound', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '::1', r));
    open.push(blocker);
    const taken = (blocker.address() as { port: number }).port;
    const attempt = publisher.publish(
      [
        { containerPort: 81, protocol: 'tcp', hostIp: '', hostPort: 0 },
        { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: taken },
      ],
      () => () => undefined,
    );
    await expect(attempt).rejects.toThrow(PortInUseError);
    await expect(attempt).rejects.toThrow(`[::1]:${taken}/tcp`);
    // 127.0.0.1:taken was bound before ::1 failed; it must be free again.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(taken, '127.0.0.1', () => resolve());
    });
    probe.close();
  });

  it('binds only the address asked for', async () => {
    const pub = await publisher.publish(
      [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 0 }],
      () => () => undefined,
    );
    open.push(pub);
    expect(pub.ports.map((p) => p.hostIp)).toEqual(['127.0.0.1']);
    await expect(
      publisher.publish(
        [{ containerPort: 80, protocol: 'tcp', hostIp: '203.0.113.9', hostPort: 0 }],
        () => () => undefined,
      ),
    ).rejects.toThrow(/203.0.113.9: it is not an address of this host/);
    await expect(
      publisher.publish(
        [{ containerPort: 0, protocol: 'tcp', hostIp: '', hostPort: 0 }],
        () => () => undefined,
      ),
    ).rejects.toThrow(InvalidArgumentError);
  });

  it('forwards UDP and routes replies back to each client', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(`re:${m}`, r.port, r.address));
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
    const pub = await publisher.publish(
      [{ containerPort: echo.address().port, protocol: 'udp', hostIp: '', hostPort: 0 }],
      (port) => () => ({ host: '127.0.0.1', port }),
    );
    open.push(pub);
    const ask = (host: string, text: string) =>
      new Promise<string>((resolve) => {
        const c = createSocket(host.includes(':') ? 'udp6' : 'udp4');
        c.on('message', (m) => {
          c.close();
          resolve(m.toString());
        });
        c.send(text, pub.ports[0]!.hostPort, host);
      });
    expect(await Promise.all([ask('127.0.0.1', 'a'), ask('127.0.0.1', 'b'), ask('::1', 'c')])).toEqual([
      're:a',
      're:b',
      're:c',
    ]);
    await pub.close();
    open.pop();
    echo.close();
  });
});
