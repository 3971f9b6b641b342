import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  FakeHostNet,
  LinuxNetworkManager,
  ConflictError as NetConflictError,
  NetworkNotFoundError,
} from '@skiff/net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EndpointSpec } from '../containers/container-spec.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { type EngineEvent, EventBus } from '../events/event-bus.js';
import { silentLogger } from '../logger.js';
import { type NetworkContainers, NetworkService } from './network-service.js';
import { PredefinedNetworkError } from './predefined-network-error.js';

/** The container side as the service sees it: known IDs, and the endpoints it was asked for. */
class RecordingContainers implements NetworkContainers {
  readonly connected: { id: string; endpoint: EndpointSpec }[] = [];
  readonly disconnected: { id: string; network: string; force: boolean }[] = [];
  constructor(private readonly ids: string[]) {}
  async inspect(ref: string): Promise<{ id: string }> {
    const id = this.ids.find((i) => i === ref || i.startsWith(ref));
    if (!id) throw new NotFoundError('container', ref);
    return { id };
  }
  async connectNetwork(id: string, endpoint: EndpointSpec): Promise<void> {
    this.connected.push({ id, endpoint });
  }
  async disconnectNetwork(id: string, network: string, options: { force?: boolean } = {}): Promise<void> {
    this.disconnected.push({ id, network, force: options.force ?? false });
  }
}

describe('NetworkService on a fake kernel', () => {
  let dir: string;
  let manager: LinuxNetworkManager;
  let containers: RecordingContainers;
  let events: EngineEvent[];
  let service: NetworkService;
  const id = 'c'.repeat(64);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-network-service-'));
    await writeFile(path.join(dir, 'hosts'), '127.0.0.1 localhost\n');
    await writeFile(path.join(dir, 'resolv.conf'), 'nameserver 10.0.0.53\n');
    manager = new LinuxNetworkManager({
      stateDir: path.join(dir, 'state'),
      hostLockPath: path.join(dir, 'host.lock'),
      logger: silentLogger(),
      host: new FakeHostNet(),
      embeddedDns: false,
      hostsPath: path.join(dir, 'hosts'),
      resolvConfPath: path.join(dir, 'resolv.conf'),
    });
    await manager.init();
    containers = new RecordingContainers([id]);
    const bus = new EventBus();
    events = [];
    bus.subscribe((e) => events.push(e));
    service = new NetworkService({ manager, containers, events: bus, logger: silentLogger() });
  });

  afterEach(async () => {
    await manager.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('tells a used name (conflict) from an overlapping subnet (bad request, naming both subnets)', async () => {
    await service.create({ name: 'app', subnet: '10.211.5.0/24' });
    await expect(service.create({ name: 'app' })).rejects.toThrow(NetConflictError);
    await expect(service.create({ name: 'app', subnet: '10.211.9.0/24' })).rejects.toThrow(
      'network with name app already exists',
    );
    const overlap = service.create({ name: 'other', subnet: '10.211.5.128/25' });
    await expect(overlap).rejects.toThrow(InvalidArgumentError);
    await expect(overlap).rejects.toThrow(/10\.211\.5\.128\/25.*10\.211\.5\.0\/24/);
    expect((await service.list({})).map((n) => n.name).sort()).toEqual(['app', 'bridge', 'host', 'none']);
  });

  it('refuses to remove the built-in networks, and names an unknown one', async () => {
    for (const name of ['bridge', 'host', 'none']) {
      await expect(service.remove(name)).rejects.toThrow(PredefinedNetworkError);
    }
    await expect(service.remove('nope')).rejects.toThrow(NetworkNotFoundError);
  });

  it('connects by network name whatever reference was given, after checking aliases and addresses', async () => {
    const app = await service.create({ name: 'app', subnet: '10.211.6.0/24' });
    await service.connect(app.id.slice(0, 12), {
      container: id.slice(0, 12),
      aliases: ['db'],
      ipv4Address: '10.211.6.9',
    });
    expect(containers.connected).toEqual([
      { id, endpoint: { network: 'app', aliases: ['db'], ipv4Address: '10.211.6.9' } },
    ]);
    await expect(service.connect('bridge', { container: id, aliases: ['x'] })).rejects.toThrow(
      /user defined networks, not on bridge \(aliases x\)/,
    );
    await expect(
      service.connect('bridge', { container: id, aliases: [], ipv4Address: '10.1.1.1' }),
    ).rejects.toThrow(/supported on user defined networks only/);
    await expect(
      service.connect('app', { container: id, aliases: [], ipv4Address: '10.99.0.1' }),
    ).rejects.toThrow('address 10.99.0.1 is not in the subnet 10.211.6.0/24 of network app');
    await expect(service.connect('app', { container: id, aliases: [], ipv4Address: 'ten' })).rejects.toThrow(
      /invalid IPv4 address "ten"/,
    );
    await expect(service.connect('host', { container: id, aliases: [] })).rejects.toThrow(
      PredefinedNetworkError,
    );
    await expect(service.connect('app', { container: 'ghost', aliases: [] })).rejects.toThrow(
      'No such container: ghost',
    );
    expect(containers.connected).toHaveLength(1);
  });

  it('disconnects, forcing past a container that is gone, and publishes Docker network events', async () => {
    const app = await service.create({ name: 'app', labels: { a: 'b' } });
    await service.connect('app', { container: id, aliases: [] });
    await service.disconnect(app.id, id, false);
    await service.disconnect('app', 'ghost', true);
    await expect(service.disconnect('app', 'ghost', false)).rejects.toThrow(NotFoundError);
    expect(containers.disconnected).toEqual([{ id, network: 'app', force: false }]);
    expect(await service.prune({ label: ['a=b'] })).toEqual(['app']);
    expect(events.map((e) => [e.Type, e.Action, e.Actor.ID, e.Actor.Attributes])).toEqual([
      ['network', 'create', app.id, { name: 'app', type: 'bridge' }],
      ['network', 'connect', app.id, { name: 'app', type: 'bridge', container: id }],
      ['network', 'disconnect', app.id, { name: 'app', type: 'bridge', container: id }],
      ['network', 'destroy', app.id, { name: 'app', type: 'bridge' }],
    ]);
  });
});
