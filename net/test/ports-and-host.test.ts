import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, get } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortInUseError } from '../src/index.js';
import { containerId, Harness, kernelSnapshot, run, sandboxRequest, suffix } from './helpers.js';

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host, port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function retry<T>(fn: () => Promise<T>, attempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function udpRoundTrip(host: string, port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer from ${host}:${port}`));
    }, 1000);
    socket.on('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(m.toString());
    });
    socket.send(message, port, host);
  });
}

const UDP_ECHO =
  "const d=require('dgram').createSocket('udp4');d.on('message',(m,r)=>d.send('echo:'+m,r.port,r.address));d.bind(5353)";

describe('published ports and the way to the host (real sockets)', () => {
  const h = new Harness();
  afterEach(() => h.cleanup());

  it('publishes TCP and UDP on 127.0.0.1 and ::1 with one port each, and frees them on release', async () => {
    const net = await h.manager();
    const id = containerId();
    const sb = await net.createSandbox(
      sandboxRequest(id, {
        ports: [
          { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 },
          { containerPort: 5353, protocol: 'udp', hostIp: '', hostPort: 0 },
        ],
      }),
    );
    const ns = sb.netnsPath!.split('/').pop()!;
    await h.httpServer(ns, 'published\n');
    h.background(ns, ['node', '-e', UDP_ECHO]);

    const tcp = sb.ports.filter((p) => p.protocol === 'tcp');
    const udp = sb.ports.filter((p) => p.protocol === 'udp');
    expect(tcp.map((p) => p.hostIp)).toEqual(['127.0.0.1', '::1']);
    expect(new Set(tcp.map((p) => p.hostPort)).size).toBe(1);
    expect(udp.map((p) => p.hostIp)).toEqual(['127.0.0.1', '::1']);
    expect(new Set(udp.map((p) => p.hostPort)).size).toBe(1);
    const tcpPort = tcp[0]!.hostPort;
    const udpPort = udp[0]!.hostPort;

    expect(await retry(() => httpGet('127.0.0.1', tcpPort))).toBe('published\n');
    expect(await retry(() => httpGet('::1', tcpPort))).toBe('published\n');
    expect(await retry(() => udpRoundTrip('127.0.0.1', udpPort, 'ping'))).toBe('echo:ping');
    expect(await retry(() => udpRoundTrip('::1', udpPort, 'ping6'))).toBe('echo:ping6');

    const listening = async () => (await run('ss', ['-Hltnu'])).stdout;
    expect(await listening()).toContain(`127.0.0.1:${tcpPort}`);
    await h.stopProcesses(); // the container exits before its sandbox is released
    await net.releaseSandbox(id);
    await net.settle();
    const after = await listening();
    expect(after).not.toMatch(new RegExp(`:(${tcpPort}|${udpPort})\\b`));
    expect((await kernelSnapshot(net.engineId)).netns).toEqual([]);
  });

  it('names the port when it is taken, and leaves nothing half-made', async () => {
    const net = await h.manager();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const before = await kernelSnapshot(net.engineId);
      const attempt = net.createSandbox(
        sandboxRequest(containerId(), {
          ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: taken }],
        }),
      );
      await expect(attempt).rejects.toThrow(PortInUseError);
      await expect(attempt).rejects.toThrow(`127.0.0.1:${taken}/tcp`);
      await net.settle();
      expect(await kernelSnapshot(net.engineId)).toEqual(before);
      expect(Object.keys((await net.getNetwork('bridge')).containers)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('also publishes on the default bridge gateway when asked (testcontainers with /.dockerenv looks there)', async () => {
    const net = await h.manager({ publishOnBridgeGateway: true });
    const gateway = (await net.getNetwork('bridge')).gateway;
    const sb = await net.createSandbox(
      sandboxRequest(containerId(), {
        ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 }],
      }),
    );
    expect(sb.ports.map((p) => p.hostIp)).toEqual(['127.0.0.1', '::1', gateway]);
    await h.httpServer(sb.netnsPath!.split('/').pop()!, 'via gateway\n');
    expect(await retry(() => httpGet(gateway, sb.ports[2]!.hostPort))).toBe('via gateway\n');
  });

  it('lets a container reach a server in the test process as host.skiff.internal', async () => {
    const net = await h.manager();
    const name = `svc-${suffix()}`;
    await net.createNetwork({ name });
    const server = createHttpServer((_req, res) => res.end('from the test process\n'));
    await new Promise<void>((r) => server.listen(0, r));
    const port = (server.address() as { port: number }).port;
    try {
      const sb = await net.createSandbox(
        sandboxRequest(containerId(), {
          mode: { kind: 'bridge', endpoints: [{ network: name, aliases: [] }] },
          extraHosts: ['mine:host-gateway'],
        }),
      );
      const ns = sb.netnsPath!.split('/').pop()!;
      await h.installEtc(ns, sb);
      expect(sb.hosts).toContain(`${sb.endpoints[0]!.gateway}\thost.skiff.internal host.docker.internal`);
      for (const host of ['host.skiff.internal', 'host.docker.internal', 'mine']) {
        expect(await h.wget(ns, `http://${host}:${port}/`)).toMatchObject({
          ok: true,
          body: 'from the test process\n',
        });
      }
    } finally {
      server.close();
    }
  });
});
