import { existsSync } from 'node:fs';
import { SkiffdHarness } from '@skiff/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkWire } from '../../src/api/wire/network-mapper.js';
import { importBusybox, listeningSockets, V } from './network-helpers.js';

/**
 * The real `testcontainers` package (11.x) against skiffd, with no `TESTCONTAINERS_HOST_OVERRIDE`.
 * On a machine with `/.dockerenv` (these VMs have one) testcontainers takes the `bridge` network's
 * gateway as the host of every port check and every `getHost()`, so skiffd publishes ports there
 * too (SKIFF_PUBLISH_ON_BRIDGE_GATEWAY, on by default).
 */
describe('testcontainers 11 against skiffd, host resolved the /.dockerenv way', () => {
  const h = new SkiffdHarness();
  let tc: typeof import('testcontainers');
  let gateway = '';

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    await importBusybox(h);
    const bridge = (await h.http('GET', `${V}/networks/bridge`)).json<NetworkWire>();
    gateway = bridge.IPAM.Config[0]?.Gateway ?? '';
    // testcontainers reads its environment when it first builds its client: set it before import.
    process.env.DOCKER_HOST = h.env.SKIFF_HOST;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    delete process.env.TESTCONTAINERS_HOST_OVERRIDE;
    delete process.env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE;
    tc = await import('testcontainers');
  }, 180_000);

  afterAll(async () => {
    await h.cleanup();
  });

  it('runs on a machine where /.dockerenv exists (or the gateway logic is not exercised)', () => {
    expect(existsSync('/.dockerenv')).toBe(true);
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('starts a container with an exposed port and Wait.forListeningPorts, reachable at the gateway', async () => {
    const container = await new tc.GenericContainer('busybox:latest')
      .withCommand(['httpd', '-f', '-p', '80', '-h', '/etc'])
      .withExposedPorts(80)
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .start();
    try {
      expect(container.getHost()).toBe(gateway);
      const port = container.getMappedPort(80);
      const res = await fetch(`http://${container.getHost()}:${port}/hostname`);
      expect(await res.text()).toBe(`${container.getHostname()}\n`);
      // The same port on loopback, and the gateway binding is the engine's own socket.
      expect((await fetch(`http://127.0.0.1:${port}/hostname`)).status).toBe(200);
      expect(await listeningSockets(h.daemon?.pid ?? 0)).toEqual(
        expect.arrayContaining([`tcp ${gateway}:${port}`, `tcp 127.0.0.1:${port}`]),
      );
    } finally {
      await container.stop();
    }
  });

  it('puts containers on a Network with aliases that the others resolve', async () => {
    const network = await new tc.Network().start();
    try {
      const server = await new tc.GenericContainer('busybox:latest')
        .withCommand(['httpd', '-f', '-p', '80', '-h', '/etc'])
        .withNetwork(network)
        .withNetworkAliases('web', 'www')
        .withExposedPorts(80)
        .start();
      const client = await new tc.GenericContainer('busybox:latest')
        .withCommand(['sleep', '300'])
        .withNetwork(network)
        .start();
      try {
        expect(server.getNetworkNames()).toContain(network.getName());
        expect(server.getIpAddress(network.getName())).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        const { output, exitCode } = await client.exec([
          'sh',
          '-c',
          'timeout 5 wget -q -O - http://web/hostname && timeout 5 wget -q -O - http://www/hostname',
        ]);
        expect(exitCode).toBe(0);
        expect(output).toBe(`${server.getHostname()}\n`.repeat(2));
      } finally {
        await client.stop();
        await server.stop();
      }
    } finally {
      await network.stop();
    }
    const left = (await h.http('GET', `${V}/networks`)).json<NetworkWire[]>().map((n) => n.Name);
    expect(left.sort()).toEqual(['bridge', 'host', 'none']);
  });
});
