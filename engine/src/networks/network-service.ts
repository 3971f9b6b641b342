import { BlockList, isIPv4 } from 'node:net';
import {
  ConflictError as NetConflictError,
  type NetworkCreateRequest,
  type NetworkInspect,
  type NetworkManager,
  type NetworkRecord,
} from '@skiff/net';
import type { ContainerService } from '../containers/container-service.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logger.js';
import { PredefinedNetworkError } from './predefined-network-error.js';

/** `POST /networks/{id}/connect`: the container and its endpoint settings on that network. */
export interface NetworkConnectInput {
  /** Container ID, ID prefix or name. */
  container: string;
  aliases: string[];
  ipv4Address?: string;
}

/** The container side the network verbs need (`ContainerService` is one). */
export interface NetworkContainers {
  /** Resolves a container reference; `NotFoundError` when there is none. */
  inspect(ref: string): Promise<{ id: string }>;
  connectNetwork?: ContainerService['connectNetwork'];
  disconnectNetwork?: ContainerService['disconnectNetwork'];
}

export interface NetworkServiceDeps {
  manager: NetworkManager;
  containers: NetworkContainers;
  events: EventBus;
  logger: Logger;
}

/**
 * The engine's network verbs: `@skiff/net`'s manager for the networks themselves, the container
 * service for endpoints (a created container keeps them for its start, a running one joins at
 * once), and the `network` events Docker publishes. Checks that need both sides (built-in
 * networks, aliases and fixed addresses on them) happen here, before anything changes.
 */
export class NetworkService {
  private readonly logger: Logger;

  constructor(private readonly deps: NetworkServiceDeps) {
    this.logger = deps.logger.child({ component: 'networks' });
  }

  async create(request: NetworkCreateRequest): Promise<NetworkRecord> {
    let record: NetworkRecord;
    try {
      record = await this.deps.manager.createNetwork(request);
    } catch (err) {
      // The manager's conflicts are a used name (409) or, for an explicit subnet, an overlap with
      // a host route or another network: a bad value in the request (400), not a state conflict.
      if (err instanceof NetConflictError && request.subnet && !(await this.nameTaken(request.name))) {
        throw new InvalidArgumentError(err.message, { cause: err });
      }
      throw err;
    }
    this.publish('create', record);
    this.logger.debug({ network: record.name, id: record.id, subnet: record.subnet }, 'network created');
    return record;
  }

  inspect(ref: string): Promise<NetworkInspect> {
    return this.deps.manager.getNetwork(ref);
  }

  list(filters: Record<string, string[]>): Promise<NetworkInspect[]> {
    return this.deps.manager.listNetworks(filters);
  }

  async remove(ref: string): Promise<void> {
    const network = await this.deps.manager.getNetwork(ref);
    if (network.builtIn) {
      throw new PredefinedNetworkError(`${network.name} is a pre-defined network and cannot be removed`);
    }
    await this.deps.manager.removeNetwork(network.id);
    this.publish('destroy', network);
  }

  async prune(filters: Record<string, string[]>): Promise<string[]> {
    const before = new Map((await this.deps.manager.listNetworks()).map((n) => [n.name, n]));
    const removed = await this.deps.manager.pruneNetworks(filters);
    for (const name of removed) {
      const network = before.get(name);
      if (network) this.publish('destroy', network);
    }
    return removed;
  }

  async connect(ref: string, input: NetworkConnectInput): Promise<void> {
    const connect = this.deps.containers.connectNetwork?.bind(this.deps.containers);
    if (!connect)
      throw new InvalidArgumentError('this engine runs without networks: connect is not available');
    const network = await this.deps.manager.getNetwork(ref);
    if (network.driver !== 'bridge') {
      throw new PredefinedNetworkError(
        `container cannot be connected to network ${network.name}: only bridge networks can be joined after create (use --network ${network.name} when creating it)`,
      );
    }
    if (network.builtIn && input.aliases.length > 0) {
      throw new InvalidArgumentError(
        `network-scoped aliases are supported only for containers in user defined networks, not on ${network.name} (aliases ${input.aliases.join(', ')})`,
      );
    }
    if (input.ipv4Address !== undefined) checkFixedAddress(network, input.ipv4Address);
    const container = await this.deps.containers.inspect(input.container);
    await connect(container.id, {
      network: network.name,
      aliases: input.aliases,
      ...(input.ipv4Address ? { ipv4Address: input.ipv4Address } : {}),
    });
    this.publish('connect', network, { container: container.id });
  }

  /** `force`: a container that is gone, or not connected, is not an error. */
  async disconnect(ref: string, containerRef: string, force = false): Promise<void> {
    const disconnect = this.deps.containers.disconnectNetwork?.bind(this.deps.containers);
    if (!disconnect) {
      throw new InvalidArgumentError('this engine runs without networks: disconnect is not available');
    }
    const network = await this.deps.manager.getNetwork(ref);
    let containerId: string;
    try {
      containerId = (await this.deps.containers.inspect(containerRef)).id;
    } catch (err) {
      if (force && err instanceof NotFoundError) return;
      throw err;
    }
    await disconnect(containerId, network.name, { force });
    this.publish('disconnect', network, { container: containerId });
  }

  private async nameTaken(name: string): Promise<boolean> {
    if (typeof name !== 'string' || name === '') return false;
    const found = await this.deps.manager.listNetworks({ name: [name] });
    return found.some((n) => n.name === name);
  }

  private publish(action: string, network: NetworkRecord, extra: Record<string, string> = {}): void {
    this.deps.events.publish('network', action, network.id, {
      name: network.name,
      type: network.driver,
      ...extra,
    });
  }
}

/** A fixed address (`--ip`): an IPv4 address inside a user-defined network's subnet. */
function checkFixedAddress(network: NetworkRecord, address: string): void {
  if (network.builtIn) {
    throw new InvalidArgumentError(
      `user specified IP address ${address} is supported on user defined networks only, not on ${network.name}`,
    );
  }
  if (!isIPv4(address)) {
    throw new InvalidArgumentError(
      `invalid IPv4 address ${JSON.stringify(address)} for network ${network.name}`,
    );
  }
  const [base = '', prefix = ''] = network.subnet.split('/');
  const subnet = new BlockList();
  subnet.addSubnet(base, Number(prefix), 'ipv4');
  if (!subnet.check(address, 'ipv4')) {
    throw new InvalidArgumentError(
      `address ${address} is not in the subnet ${network.subnet} of network ${network.name}`,
    );
  }
}
