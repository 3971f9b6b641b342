import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { BackgroundTasks } from './background-tasks.js';
import {
  DEFAULT_HOST_LOCK_PATH,
  DEFAULT_HOSTS_FILE,
  DEFAULT_RESOLV_CONF,
  DEFAULT_SUBNET_POOLS,
  type SubnetPoolConfig,
} from './constants.js';
import { DnsResolver, type ResolverNetwork } from './dns/dns-resolver.js';
import { NameTable } from './dns/name-table.js';
import { ResolverPool } from './dns/resolver-pool.js';
import { type Upstream, UpstreamForwarder } from './dns/upstream-forwarder.js';
import { ConflictError, isErrno, NetError } from './errors.js';
import { parseResolvConf } from './etc-files.js';
import { Firewall } from './firewall.js';
import type { CommandLauncher } from './host/command-launcher.js';
import type { HostNet } from './host/host-net.js';
import { LinuxHostNet } from './host/linux-host-net.js';
import { type Filters, matchesListFilters, matchesPruneFilters, validateFilters } from './network-filters.js';
import { NetworkRegistry } from './network-registry.js';
import { PortPublisher } from './ports/port-publisher.js';
import { type RecoveryReport, recover } from './recovery.js';
import { ResourceNames } from './resource-names.js';
import type { HostFiles } from './sandbox-files.js';
import { SandboxManager } from './sandbox-manager.js';
import { FileLock } from './state/file-lock.js';
import { LeaseStore } from './state/lease-store.js';
import { NetworkStore } from './state/network-store.js';
import { isAlive } from './state/process-identity.js';
import { type StoredNetwork, toNetworkRecord } from './state/records.js';
import { SandboxStore } from './state/sandbox-store.js';
import { parsePools } from './subnet-allocator.js';
import type {
  Endpoint,
  EndpointRequest,
  NetworkCreateRequest,
  NetworkInspect,
  NetworkManager,
  NetworkRecord,
  Sandbox,
  SandboxRequest,
} from './types.js';

export interface LinuxNetworkManagerOptions {
  /** This engine's own state (`<root>/engines/<name>/net` in the engine); nothing else is shared. */
  stateDir: string;
  logger: Logger;
  /** The kernel; a `FakeHostNet` in unit tests. */
  host?: HostNet;
  /**
   * How `ip` and `iptables` are started when `host` is not given: child_process by default, which
   * forks the whole engine process; an engine with a cheaper spawn (Skiff's native one) passes it.
   */
  launchCommand?: CommandLauncher;
  /** Where network subnets come from; default 10.210.0.0/16 in /24s. */
  subnetPools?: SubnetPoolConfig[];
  /** Subnet of the default `bridge` network; default: the first free one of the pools. */
  defaultBridgeSubnet?: string;
  /** Machine-wide lock shared by all engines while choosing subnets. */
  hostLockPath?: string;
  /** MASQUERADE traffic of non-internal networks out of the machine (off: containers reach only the host). */
  outboundNat?: boolean;
  /**
   * Also publish ports that have no host address on the default bridge's gateway (same port).
   * testcontainers on a machine with `/.dockerenv` checks published ports at the `bridge`
   * network's gateway (docker-engine-api.md §1.2); off by default, since containers can reach
   * that address too.
   */
  publishOnBridgeGateway?: boolean;
  /** Run the embedded DNS resolvers (default true; unit tests with a fake host turn them off). */
  embeddedDns?: boolean;
  dnsPort?: number;
  /** Where names outside the networks are forwarded; default: the host's resolv.conf nameservers. */
  dnsUpstreams?: Upstream[];
  dnsForwardTimeoutMs?: number;
  resolvConfPath?: string;
  hostsPath?: string;
  now?: () => Date;
}

/**
 * `NetworkManager` on Linux: bridges, namespaces, veths, IPAM, embedded DNS, published ports.
 * The composition root of `@skiff/net`; one instance per engine process and state dir.
 */
export class LinuxNetworkManager implements NetworkManager {
  private readonly logger: Logger;
  private readonly host: HostNet;
  private readonly background: BackgroundTasks;
  private readonly table = new NameTable();
  private readonly networkStore: NetworkStore;
  private readonly sandboxStore: SandboxStore;
  private readonly leases: LeaseStore;
  private readonly engineLock: FileLock;
  private readonly hostLock: FileLock;
  private readonly now: () => Date;
  private readonly networksById = new Map<string, StoredNetwork>();
  private state:
    | { names: ResourceNames; registry: NetworkRegistry; sandboxes: SandboxManager; firewall: Firewall }
    | undefined;
  private resolvers: ResolverPool | undefined;
  private hostUpstreams: Upstream[] = [];
  private lastRecovery: RecoveryReport | undefined;

  constructor(private readonly options: LinuxNetworkManagerOptions) {
    this.logger = options.logger.child({ component: 'net' });
    this.host = options.host ?? new LinuxHostNet('ip', options.launchCommand);
    this.background = new BackgroundTasks(this.logger);
    this.networkStore = new NetworkStore(options.stateDir);
    this.sandboxStore = new SandboxStore(options.stateDir);
    this.leases = new LeaseStore(options.stateDir);
    this.engineLock = new FileLock(path.join(options.stateDir, 'state.lock'));
    this.hostLock = new FileLock(options.hostLockPath ?? DEFAULT_HOST_LOCK_PATH);
    this.now = options.now ?? (() => new Date());
    parsePools(options.subnetPools ?? DEFAULT_SUBNET_POOLS);
  }

  /** The engine id in every name this manager gives the kernel (`skf-<engineId>-…` namespaces, link aliases). */
  get engineId(): string {
    return this.require().names.engineId;
  }

  /** What the last `init()` removed. */
  get recovery(): RecoveryReport | undefined {
    return this.lastRecovery;
  }

  async init(): Promise<void> {
    if (this.state) return;
    await mkdir(this.options.stateDir, { recursive: true });
    await mkdir(path.dirname(this.hostLock.path), { recursive: true });
    await Promise.all([this.networkStore.init(), this.sandboxStore.init(), this.leases.init()]);
    const names = new ResourceNames(await this.loadEngineId());
    const registry = new NetworkRegistry({
      host: this.host,
      store: this.networkStore,
      names,
      pools: parsePools(this.options.subnetPools ?? DEFAULT_SUBNET_POOLS),
      hostLock: this.hostLock,
      logger: this.logger,
      now: this.now,
      defaultBridgeSubnet: this.options.defaultBridgeSubnet,
    });
    const sandboxes = new SandboxManager({
      host: this.host,
      names,
      registry,
      leases: this.leases,
      store: this.sandboxStore,
      engineLock: this.engineLock,
      publisher: new PortPublisher(this.logger.child({ component: 'ports' })),
      table: this.table,
      background: this.background,
      logger: this.logger,
      now: this.now,
      readHostFiles: () => this.readHostFiles(),
      publishOnBridgeGateway: this.options.publishOnBridgeGateway ?? false,
    });
    const firewall = new Firewall(this.host, names.engineId, this.options.outboundNat ?? false, this.logger);
    await this.engineLock.run(async () => {
      this.lastRecovery = await recover({
        host: this.host,
        names,
        networks: this.networkStore,
        sandboxes: this.sandboxStore,
        leases: this.leases,
        logger: this.logger,
      });
      await registry.ensureBuiltIns();
    });
    this.state = { names, registry, sandboxes, firewall };
    const networks = await registry.list();
    for (const n of networks) this.networksById.set(n.id, n);
    await firewall.sync(networks);
    const resolv = await readFile(this.options.resolvConfPath ?? DEFAULT_RESOLV_CONF, 'utf8').catch(() => '');
    this.hostUpstreams =
      this.options.dnsUpstreams ??
      parseResolvConf(resolv).nameservers.map((address) => ({ address, port: 53 }));
    if (this.options.embeddedDns ?? true) {
      const resolver = new DnsResolver(
        {
          table: this.table,
          network: (id) => this.resolverNetwork(id),
          upstreamsFor: (containerId) => this.upstreamsFor(containerId),
        },
        new UpstreamForwarder(this.logger, this.options.dnsForwardTimeoutMs),
        this.logger.child({ component: 'dns' }),
      );
      this.resolvers = new ResolverPool(
        resolver,
        this.logger.child({ component: 'dns' }),
        this.options.dnsPort ?? 53,
      );
      for (const n of networks) await this.resolvers.start(n);
    }
  }

  async createNetwork(request: NetworkCreateRequest): Promise<NetworkRecord> {
    const { registry } = this.require();
    const record = await this.engineLock.run(() => registry.create(request));
    this.networksById.set(record.id, record);
    await this.resolvers?.start(record);
    await this.syncFirewall();
    return toNetworkRecord(record);
  }

  async removeNetwork(ref: string): Promise<void> {
    const { registry } = this.require();
    const record = await this.engineLock.run(async () => {
      const network = await registry.resolve(ref);
      if (network.builtIn)
        throw new ConflictError(`${network.name} is a pre-defined network and cannot be removed`);
      const attached = Object.values(await this.attachedContainers(network.id));
      if (attached.length > 0) {
        throw new ConflictError(
          `error while removing network: network ${network.name} id ${network.id} has active endpoints (${attached.map((c) => c.name).join(', ')}); remove or disconnect them first`,
        );
      }
      await registry.removeRecord(network);
      await this.leases.removeNetwork(network.id);
      return network;
    });
    this.networksById.delete(record.id);
    await this.resolvers?.stop(record.id);
    // Deleting a bridge costs 40+ ms of kernel time: keep it off the caller's path, tracked (and
    // start `ip` only after the answer went out: starting a process blocks the event loop).
    this.background.run(`delete bridge ${record.bridge}`, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await this.host.apply([{ op: 'link-del', name: record.bridge }]);
    });
    await this.syncFirewall();
  }

  async getNetwork(ref: string): Promise<NetworkInspect> {
    const network = await this.require().registry.resolve(ref);
    return { ...toNetworkRecord(network), containers: await this.attachedContainers(network.id) };
  }

  async listNetworks(filters: Filters = {}): Promise<NetworkInspect[]> {
    validateFilters(filters, 'list');
    const result: NetworkInspect[] = [];
    const attached = await this.attachments();
    for (const network of await this.require().registry.list()) {
      const containers = attached.get(network.id) ?? {};
      if (!matchesListFilters(network, filters, Object.keys(containers).length)) continue;
      result.push({ ...toNetworkRecord(network), containers });
    }
    return result;
  }

  async pruneNetworks(filters: Filters = {}): Promise<string[]> {
    validateFilters(filters, 'prune');
    const removed: string[] = [];
    for (const network of await this.require().registry.list()) {
      if (network.builtIn || !matchesPruneFilters(network, filters, this.now())) continue;
      if (Object.keys(await this.attachedContainers(network.id)).length > 0) continue;
      try {
        await this.removeNetwork(network.id);
        removed.push(network.name);
      } catch (err) {
        // Attached or removed meanwhile by someone else: not ours to prune.
        if (!(err instanceof NetError)) throw err;
      }
    }
    return removed;
  }

  async createSandbox(request: SandboxRequest): Promise<Sandbox> {
    return this.require().sandboxes.create(request);
  }

  /** The sandbox as it is now; after `connect`/`disconnect` its `hosts` content has changed. */
  getSandbox(containerId: string): Sandbox | undefined {
    return this.require().sandboxes.get(containerId);
  }

  async connect(containerId: string, endpoint: EndpointRequest): Promise<Endpoint> {
    return this.require().sandboxes.connect(containerId, endpoint);
  }

  async disconnect(containerId: string, network: string): Promise<void> {
    await this.require().sandboxes.disconnect(containerId, network);
  }

  async releaseSandbox(containerId: string): Promise<void> {
    await this.require().sandboxes.release(containerId);
  }

  /** Waits for background teardown (veths of released sandboxes, bridges of removed networks). */
  async settle(): Promise<void> {
    await this.background.settle();
  }

  async close(): Promise<void> {
    await this.state?.sandboxes.releaseAll();
    await this.resolvers?.closeAll();
    await this.background.settle();
  }

  /**
   * Removes everything this engine made — sandboxes, every network including the default bridge,
   * its iptables chains — for engines that live for one test run. `init()` makes it all again.
   */
  async destroy(): Promise<void> {
    await this.close();
    const { registry, firewall } = this.require();
    await this.engineLock.run(async () => {
      for (const network of await registry.list()) {
        await registry.removeRecord(network);
        await this.leases.removeNetwork(network.id);
        if (network.bridge && (await this.host.linkExists(network.bridge))) {
          await this.host.apply([{ op: 'link-del', name: network.bridge }]);
        }
      }
    });
    this.networksById.clear();
    if (this.options.outboundNat) await firewall.removeOwnChains();
  }

  private require() {
    if (!this.state)
      throw new NetError(
        'SKIFF_NOT_INITIALISED',
        'the network manager is not initialised: call init() first',
      );
    return this.state;
  }

  private async syncFirewall(): Promise<void> {
    await this.require().firewall.sync([...this.networksById.values()]);
  }

  /** Containers with a live, unreleased sandbox on the network, from disk (other processes count too). */
  private async attachedContainers(networkId: string): Promise<NetworkInspect['containers']> {
    return (await this.attachments()).get(networkId) ?? {};
  }

  /** Every network's attached containers, from one read of the sandbox records. */
  private async attachments(): Promise<Map<string, NetworkInspect['containers']>> {
    const byNetwork = new Map<string, NetworkInspect['containers']>();
    const releasing = this.state?.sandboxes;
    for (const record of await this.sandboxStore.list()) {
      if (record.released || releasing?.isReleasing(record) || !isAlive(record.owner)) continue;
      for (const e of record.endpoints) {
        const containers = byNetwork.get(e.networkId) ?? {};
        containers[record.containerId] = {
          name: record.containerName,
          endpointId: e.endpointId,
          macAddress: e.macAddress,
          ipv4Address: `${e.ipAddress}/${e.prefixLen}`,
        };
        byNetwork.set(e.networkId, containers);
      }
    }
    return byNetwork;
  }

  private resolverNetwork(id: string): ResolverNetwork | undefined {
    const n = this.networksById.get(id);
    return n && { id: n.id, name: n.name, gateway: n.gateway, subnet: n.subnet, internal: n.internal };
  }

  private upstreamsFor(containerId: string | undefined): Upstream[] {
    const record = containerId
      ? this.state?.sandboxes.records().find((r) => r.containerId === containerId)
      : undefined;
    if (record && record.dns.length > 0) return record.dns.map((address) => ({ address, port: 53 }));
    return this.hostUpstreams;
  }

  private async readHostFiles(): Promise<HostFiles> {
    const [hosts, resolvConf] = await Promise.all([
      readFile(this.options.hostsPath ?? DEFAULT_HOSTS_FILE, 'utf8').catch(() => ''),
      readFile(this.options.resolvConfPath ?? DEFAULT_RESOLV_CONF, 'utf8').catch(() => ''),
    ]);
    return { hosts, resolvConf, hostname: osHostname() };
  }

  private async loadEngineId(): Promise<string> {
    const file = path.join(this.options.stateDir, 'engine-id');
    try {
      const fh = await open(file, 'wx', 0o644);
      const id = randomBytes(4).toString('hex');
      await fh.writeFile(`${id}\n`);
      await fh.close();
      return id;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    for (let i = 0; i < 100; i++) {
      const id = (await readFile(file, 'utf8')).trim();
      if (/^[0-9a-f]{8}$/.test(id)) return id;
      await new Promise((r) => setTimeout(r, 5)); // another process is writing it right now
    }
    throw new NetError(
      'SKIFF_STATE_CORRUPT',
      `${file} does not hold an engine id; remove it (and the engine's networks with it)`,
    );
  }
}
