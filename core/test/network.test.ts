import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GenericContainer, Network, TestContainers } from '@skiff/core';
import { BUSYBOX, startTestEngine, type TestEngine, uniqueName } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectNetwork, listNetworks } from '../src/engine/networks-api.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine?.stop();
});

async function hostServer(host: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((_req, res) => res.end('hello from the test process'));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('networks', () => {
  it('creates a network with a name, subnet, internal flag and labels, and removes it', async () => {
    const name = uniqueName('net');
    const third = 100 + Math.floor(Math.random() * 100);
    const network = await new Network({
      name,
      internal: true,
      subnet: `10.213.${third}.0/24`,
      labels: { team: 'core' },
    }).start();
    expect(network.getName()).toBe(name);
    const inspect = await inspectNetwork(engine.client, network.getId());
    expect(inspect.Internal).toBe(true);
    expect(inspect.IPAM?.Config?.[0]?.Subnet).toBe(`10.213.${third}.0/24`);
    expect(inspect.Labels?.team).toBe('core');
    expect(inspect.Labels?.['dev.skiff.session']).toBe(engine.runtime.session.id);
    await network.stop();
    await network.stop();
    expect(await listNetworks(engine.client, { name: [name] })).toEqual([]);
  });

  it('lets containers reach each other by network alias', async () => {
    await using network = await new Network().start();
    await using _server = await new GenericContainer(BUSYBOX)
      .withCommand(['httpd', '-f', '-p', '80', '-h', '/etc'])
      .withNetwork(network)
      .withNetworkAliases('web', 'www')
      .withExposedPorts(80)
      .start();
    await using client = await new GenericContainer(BUSYBOX)
      .withCommand(['sleep', '300'])
      .withNetwork(network)
      .start();
    const out = await client.exec(
      'timeout 5 wget -q -O - http://web/hostname && timeout 5 wget -q -O /dev/null http://www/passwd && echo both',
    );
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/both\n$/);
  });

  it('lets containers reach servers of the test process at host.skiff.internal', async () => {
    // One server on loopback only (needs forwarding), one on every interface.
    const loopback = await hostServer('127.0.0.1');
    const wildcard = await hostServer('0.0.0.0');
    try {
      await TestContainers.exposeHostPorts(loopback.port, wildcard.port);
      await using c = await new GenericContainer(BUSYBOX).withCommand(['sleep', '300']).start();
      for (const port of [loopback.port, wildcard.port]) {
        const out = await c.exec(`timeout 5 wget -q -O - http://host.skiff.internal:${port}/`);
        expect(out.stdout).toBe('hello from the test process');
      }
      const tc = await c.exec(`timeout 5 wget -q -O - http://host.testcontainers.internal:${wildcard.port}/`);
      expect(tc.stdout).toBe('hello from the test process');
    } finally {
      loopback.server.close();
      wildcard.server.close();
    }
  });
});
