import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ContainerSummaryWire } from '../api/wire/container-wire.js';
import { PortTakenError } from './compose-errors.js';
import { checkPublishedPorts, hostPortProbe, type PublishedPort } from './port-availability.js';

const published = (service: string, port: number, hostIp = '127.0.0.1'): PublishedPort => ({
  service,
  target: 80,
  published: port,
  hostIp,
  protocol: 'tcp',
});

async function listening(): Promise<{ port: number; close: () => void }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

describe('checkPublishedPorts (real sockets)', () => {
  it('passes free ports and ports left to the engine', async () => {
    const { port, close } = await listening();
    close();
    await expect(
      checkPublishedPorts([published('a', port), published('b', 0)], hostPortProbe, new Set(), []),
    ).resolves.toBeUndefined();
  });

  it('names the service of a port a host program listens on, and the container that holds one', async () => {
    const held = await listening();
    const other = await listening();
    try {
      const holder = {
        Id: 'c0ffee',
        Names: ['/shop-web-1'],
        Ports: [{ PrivatePort: 80, PublicPort: other.port, Type: 'tcp', IP: '127.0.0.1' }],
        Labels: { 'com.docker.compose.project': 'shop' },
      } as unknown as ContainerSummaryWire;
      const err = await checkPublishedPorts(
        [published('web', held.port), published('api', other.port)],
        hostPortProbe,
        new Set(),
        [holder],
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortTakenError);
      expect((err as PortTakenError).ports.map((p) => [p.service, p.port, p.takenBy])).toEqual([
        ['web', held.port, 'another program on this host listens on it'],
        ['api', other.port, 'container shop-web-1 of environment "shop" publishes it'],
      ]);
    } finally {
      held.close();
      other.close();
    }
  });

  it('refuses one port published twice by the file (0.0.0.0 overlaps 127.0.0.1), and skips ports the environment holds', async () => {
    const err = await checkPublishedPorts(
      [published('a', 40123), published('b', 40123, '0.0.0.0')],
      { isFree: async () => true },
      new Set(),
      [],
    ).catch((e: unknown) => e);
    expect((err as PortTakenError).ports.map((p) => p.takenBy)).toEqual([
      'service "a" of this file publishes it too',
    ]);
    const held = await listening();
    try {
      await expect(
        checkPublishedPorts([published('a', held.port)], hostPortProbe, new Set([`${held.port}/tcp`]), []),
      ).resolves.toBeUndefined();
    } finally {
      held.close();
    }
  });
});
