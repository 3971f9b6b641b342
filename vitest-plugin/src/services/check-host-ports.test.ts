import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHostPorts } from './check-host-ports.js';
import { container } from './container-service.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(host: string, port = 0): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port)),
  );
}

describe('checkHostPorts', () => {
  it('fails naming the port and the service when the port is taken on loopback', async () => {
    const port = await listen('127.0.0.1');
    await expect(
      checkHostPorts({ web: container('busybox:1.35', { ports: [{ container: 80, host: port }] }) }),
    ).rejects.toThrow(`host port ${port} (service "web") is already in use on this machine`);
  });

  it('passes for free ports and leaves them free', async () => {
    const port = await listen('127.0.0.1');
    await new Promise((r) => servers.pop()?.close(r));
    const services = { web: container('busybox:1.35', { ports: [{ container: 80, host: port }] }) };
    await checkHostPorts(services);
    expect(await listen('127.0.0.1', port)).toBe(port);
    await checkHostPorts({ web: container('busybox:1.35', { ports: [80] }) });
  });
});
