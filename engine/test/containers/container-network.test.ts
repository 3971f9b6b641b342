import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerEngineFixture, text } from './engine-fixture.js';

let fx: ContainerEngineFixture;

beforeAll(async () => {
  fx = new ContainerEngineFixture();
  await fx.setup({ network: true });
});

afterAll(async () => {
  await fx.teardown();
});

function fetchTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('networks', () => {
  it('runs on the default bridge with a published port, hosts file and address, released at exit', async () => {
    const svc = fx.service;
    const { id } = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'while true; do echo "hello from $(hostname)" | nc -l -p 8080; done'],
      hostname: 'web',
      exposedPorts: [{ containerPort: 8080, protocol: 'tcp' }],
      portBindings: [{ containerPort: 8080, protocol: 'tcp', hostIp: '', hostPort: 0 }],
    });
    await svc.start(id);
    const info = await svc.inspect(id);
    expect(info.endpoints).toHaveLength(1);
    expect(info.endpoints[0]!.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const port = info.ports.find((p) => p.containerPort === 8080)!;
    expect(port.hostPort).toBeGreaterThan(0);
    let reply = '';
    for (let i = 0; i < 200 && !reply.includes('hello'); i++) {
      reply = await fetchTcp(port.hostPort).catch(() => '');
      if (!reply) await new Promise((r) => setTimeout(r, 50));
    }
    expect(reply).toBe('hello from web\n');
    const execId = await svc.createExec(id, { cmd: ['cat', '/etc/hosts'], attachStdout: true });
    const hosts = await text((await svc.startExec(execId, { detach: false })).output);
    expect(hosts).toContain(info.endpoints[0]!.ipAddress);
    await svc.stop(id, { timeoutSeconds: 0 });
    const stopped = await svc.inspect(id);
    expect(stopped.ports).toEqual([]);
    expect(stopped.endpoints).toEqual([]);
    await expect(fetchTcp(port.hostPort)).rejects.toThrow();
  });

  it('joins another container network namespace with container:<id>', async () => {
    const svc = fx.service;
    const server = await svc.create({
      image: 'busybox',
      cmd: ['sh', '-c', 'while true; do echo shared | nc -l -p 9000; done'],
    });
    await svc.start(server.id);
    const { id } = await svc.create({
      image: 'busybox',
      cmd: [
        'sh',
        '-c',
        'for i in $(seq 50); do echo | nc -w 1 127.0.0.1 9000 && exit 0; sleep 0.1; done; exit 1',
      ],
      networkMode: `container:${server.id}`,
    });
    const exited = svc.wait(id, 'next-exit');
    await svc.start(id);
    expect((await exited).statusCode).toBe(0);
    expect(await text(svc.logs(id, { stdout: true, stderr: false, follow: false }))).toBe('shared\n');
    await svc.remove(server.id, { force: true });
  });

  it('has only loopback with network none, and the host interfaces with network host', async () => {
    const svc = fx.service;
    const run = async (networkMode: string) => {
      const { id } = await svc.create({
        image: 'busybox',
        cmd: ['sh', '-c', 'ls /sys/class/net | sort | tr "\\n" " "'],
        networkMode,
      });
      const exited = svc.wait(id, 'next-exit');
      await svc.start(id);
      await exited;
      return text(svc.logs(id, { stdout: true, stderr: false, follow: false }));
    };
    expect(await run('none')).toBe('lo ');
    expect((await run('host')).split(' ').length).toBeGreaterThan(2);
  });
});
