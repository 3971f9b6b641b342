import type { Logger } from 'pino';
import type { BackgroundTasks } from './background-tasks.js';
import { BuiltInNetwork } from './constants.js';
import type { NameTable } from './dns/name-table.js';
import { EndpointPlanner, holderOf, type PlannedEndpoint, type WantedEndpoint } from './endpoint-planner.js';
import { ConflictError, errorMessage, InvalidArgumentError, SandboxNotFoundError } from './errors.js';
import type { HostNet, NetnsOp } from './host/host-net.js';
import type { NetworkRegistry } from './network-registry.js';
import type { PortPublisher, Publication } from './ports/port-publisher.js';
import type { ResourceNames } from './resource-names.js';
import { type HostFiles, renderSandboxFiles, type SandboxFiles } from './sandbox-files.js';
import { validateAliases, validateSandboxRequest } from './sandbox-request.js';
import type { FileLock } from './state/file-lock.js';
import type { LeaseStore } from './state/lease-store.js';
import { currentProcess } from './state/process-identity.js';
import type { SandboxRecord, StoredEndpoint } from './state/records.js';
import { SandboxStore } from './state/sandbox-store.js';
import type { Endpoint, EndpointRequest, Sandbox, SandboxRequest } from './types.js';
import { awaitVethsGone } from './veth-teardown.js';

export interface SandboxManagerDeps {
  host: HostNet;
  names: ResourceNames;
  registry: NetworkRegistry;
  leases: LeaseStore;
  store: SandboxStore;
  engineLock: FileLock;
  publisher: PortPublisher;
  table: NameTable;
  background: BackgroundTasks;
  logger: Logger;
  now: () => Date;
  readHostFiles: () => Promise<HostFiles>;
  publishOnBridgeGateway: boolean;
}

interface LiveSandbox {
  record: SandboxRecord;
  publication: Publication | undefined;
  files: SandboxFiles;
  netnsPath: string | undefined;
}

/**
 * Container sandboxes: a network namespace per container, a veth into each network's bridge, the
 * addresses and default route, DNS names, published ports and generated /etc files. Kernel work is
 * two `ip -batch` processes (host side, namespace side); the slow teardown (the kernel frees veths
 * of a deleted namespace 25+ ms later) runs in the background and is awaited by `settle()`.
 */
export class SandboxManager {
  private readonly live = new Map<string, LiveSandbox>();
  private readonly pending = new Set<string>();
  /** Store keys of sandboxes whose namespace deletion and lease release are still running. */
  private readonly releasing = new Set<string>();
  private readonly planner: EndpointPlanner;

  constructor(private readonly deps: SandboxManagerDeps) {
    this.planner = new EndpointPlanner(deps);
  }

  get(containerId: string): Sandbox | undefined {
    const sb = this.live.get(containerId);
    return sb && this.toSandbox(sb);
  }

  records(): SandboxRecord[] {
    return [...this.live.values()].map((s) => s.record);
  }

  async create(request: SandboxRequest): Promise<Sandbox> {
    validateSandboxRequest(request);
    const { containerId } = request;
    if (this.live.has(containerId) || this.pending.has(containerId)) {
      throw new ConflictError(`container ${containerId} already has a network sandbox; release it first`);
    }
    this.pending.add(containerId);
    try {
      const sb = await this.build(request);
      this.live.set(containerId, sb);
      return this.toSandbox(sb);
    } finally {
      this.pending.delete(containerId);
    }
  }

  async connect(containerId: string, request: EndpointRequest): Promise<Endpoint> {
    const sb = this.requireBridge(containerId);
    const network = await this.deps.registry.resolve(request.network);
    if (network.driver !== 'bridge') {
      throw new ConflictError(
        `container ${containerId} cannot be connected to network ${network.name}: it is not a bridge network`,
      );
    }
    if (sb.record.endpoints.some((e) => e.networkId === network.id)) {
      throw new ConflictError(
        `endpoint with name ${sb.record.containerName} already exists in network ${network.name}`,
      );
    }
    validateAliases(request.aliases, network);
    const ifname = nextIfname(sb.record.endpoints);
    const [planned] = await this.planner.plan(sb.record, [{ network, request }], [ifname], (added) =>
      this.deps.store.put({ ...sb.record, endpoints: [...sb.record.endpoints, ...added] }),
    );
    const { stored } = planned!;
    const nsOps = [...planned!.nsOps];
    if (!stored.internal && !sb.record.endpoints.some((e) => !e.internal)) {
      nsOps.push({ op: 'default-route', via: stored.gateway, dev: ifname });
    }
    try {
      await this.deps.host.apply(planned!.hostOps);
      await this.deps.host.applyInNetns(sb.record.netns!, nsOps);
    } catch (err) {
      await awaitVethsGone(this.deps.host, [stored.hostVeth]);
      await this.deps.leases.release(stored.networkId, stored.ipAddress, holderOf(sb.record));
      await this.deps.store.put(sb.record);
      throw err;
    }
    sb.record.endpoints.push(stored);
    await this.deps.store.put(sb.record);
    this.registerNames(sb.record, stored);
    sb.files = renderSandboxFiles(sb.record, await this.deps.readHostFiles());
    this.deps.logger.info(
      { container: containerId, network: network.name, ip: stored.ipAddress },
      'connected',
    );
    return toEndpoint(stored);
  }

  async disconnect(containerId: string, networkRef: string): Promise<void> {
    const sb = this.requireBridge(containerId);
    const network = await this.deps.registry.resolve(networkRef).catch(() => undefined);
    const index = sb.record.endpoints.findIndex(
      (e) => e.networkId === network?.id || e.networkName === networkRef || e.networkId === networkRef,
    );
    if (index < 0)
      throw new ConflictError(`container ${containerId} is not connected to network ${networkRef}`);
    const carriesDefault = firstOpen(sb.record.endpoints);
    const [gone] = sb.record.endpoints.splice(index, 1);
    const hadDefault = carriesDefault === gone;
    const ops: NetnsOp[] = [{ op: 'link-del', name: gone!.ifname }];
    const next = firstOpen(sb.record.endpoints);
    if (hadDefault && next) ops.push({ op: 'default-route', via: next.gateway, dev: next.ifname });
    await this.deps.host.applyInNetns(sb.record.netns!, ops);
    this.deps.table.remove(containerId, gone!.networkId);
    await this.deps.leases.release(gone!.networkId, gone!.ipAddress, holderOf(sb.record));
    await this.deps.store.put(sb.record);
    sb.files = renderSandboxFiles(sb.record, await this.deps.readHostFiles());
    this.deps.logger.info({ container: containerId, network: gone!.networkName }, 'disconnected');
  }

  /**
   * Idempotent. Returns once nothing of this process serves the sandbox any more (port proxies
   * closed, names gone from DNS); deleting the namespace, and then freeing its leases once the
   * kernel dropped its veths, happen in the background (tracked: `settle()` waits, and a crash
   * leaves a record that recovery finishes). `isReleasing` answers true meanwhile, so the network
   * counts as free at once, as it did when the namespace was deleted here.
   */
  async release(containerId: string): Promise<void> {
    const sb = this.live.get(containerId);
    if (!sb) return;
    this.live.delete(containerId);
    await sb.publication?.close();
    this.deps.table.remove(containerId);
    const record = sb.record;
    if (!record.netns) {
      await this.deps.store.remove(record);
      return;
    }
    const key = SandboxStore.keyOf(record);
    this.releasing.add(key);
    record.released = true;
    this.deps.background.run(`release ${containerId}`, async () => {
      try {
        // Starting `ip` blocks the event loop while it forks: let the caller's answer go out first.
        await new Promise((resolve) => setImmediate(resolve));
        await this.deps.host.deleteNetns(record.netns!);
        await this.deps.store.put(record);
        this.deps.logger.debug({ container: containerId, netns: record.netns }, 'sandbox released');
        await this.finishRelease(record);
      } finally {
        this.releasing.delete(key);
      }
    });
  }

  /** A sandbox of this process whose release is still running in the background. */
  isReleasing(record: SandboxRecord): boolean {
    return this.releasing.has(SandboxStore.keyOf(record));
  }

  async releaseAll(): Promise<void> {
    await Promise.allSettled([...this.live.keys()].map((id) => this.release(id)));
  }

  private async build(request: SandboxRequest): Promise<LiveSandbox> {
    const mode = request.mode;
    const record: SandboxRecord = {
      containerId: request.containerId,
      containerName: request.containerName,
      mode: mode.kind,
      netns: undefined,
      sharedWith: undefined,
      owner: currentProcess(),
      endpoints: [],
      ports: [],
      hostname: request.hostname || request.containerId.slice(0, 12),
      domainname: request.domainname,
      extraHosts: [...request.extraHosts],
      dns: [...request.dns],
      dnsSearch: [...request.dnsSearch],
      dnsOptions: [...request.dnsOptions],
      created: this.deps.now().toISOString(),
    };
    if (mode.kind === 'container') {
      if (request.ports.length > 0) {
        throw new InvalidArgumentError(
          'conflicting options: port publishing and the container type network mode',
        );
      }
      const target = this.live.get(mode.containerId);
      if (!target) throw new SandboxNotFoundError(mode.containerId);
      record.sharedWith = target.record.sharedWith ?? mode.containerId;
      await this.deps.store.put(record);
      return { record, publication: undefined, files: target.files, netnsPath: target.netnsPath };
    }
    if (mode.kind === 'host') {
      if (request.ports.length > 0)
        this.deps.logger.warn(
          { container: request.containerId },
          'published ports are discarded in host network mode',
        );
      const host = await this.deps.readHostFiles();
      if (!request.hostname) record.hostname = host.hostname;
      await this.deps.store.put(record);
      return {
        record,
        publication: undefined,
        files: renderSandboxFiles(record, host),
        netnsPath: undefined,
      };
    }
    const wanted = mode.kind === 'bridge' ? await this.resolveEndpoints(mode.endpoints) : [];
    if (mode.kind === 'none' && request.ports.length > 0) {
      this.deps.logger.warn(
        { container: request.containerId },
        'published ports are discarded in none network mode',
      );
    }
    record.netns = this.deps.names.netns(request.containerId);
    const live: LiveSandbox = {
      record,
      publication: undefined,
      files: { hosts: '', hostname: '', resolvConf: '' },
      netnsPath: this.deps.host.netnsPath(record.netns),
    };
    let planned: PlannedEndpoint[] = [];
    try {
      // Ports first: a taken host port fails the request before anything else is made. The
      // proxies look their target up per connection, so they need no address yet.
      if (mode.kind === 'bridge' && request.ports.length > 0) {
        live.publication = await this.deps.publisher.publish(
          request.ports,
          (port) => () => {
            const ep = live.record.endpoints[0];
            return ep ? { host: ep.ipAddress, port } : undefined;
          },
          this.deps.publishOnBridgeGateway ? await this.defaultGateway() : [],
        );
        record.ports = live.publication.ports;
      }
      // The record is written before any kernel work; after a crash, recovery finds what it names.
      const plan = () =>
        this.planner.plan(
          record,
          wanted,
          wanted.map((_, i) => `eth${i}`),
          async (endpoints) => {
            record.endpoints = endpoints;
            await this.deps.store.put(record);
          },
        );
      planned = await plan().catch(async (err: unknown) => {
        // A restarted container asking for its fixed address again: the address is still held
        // by its previous sandbox until the kernel dropped that one's veths. Wait for it once.
        const fixed = wanted.some((w) => w.request.ipv4Address);
        if (!fixed || !(err instanceof ConflictError)) throw err;
        await this.deps.background.settle();
        return plan();
      });
      const hostFiles = this.deps.readHostFiles();
      const nsOps: NetnsOp[] = [{ op: 'link-up', name: 'lo' }, ...planned.flatMap((p) => p.nsOps)];
      const open = firstOpen(record.endpoints);
      if (open) nsOps.push({ op: 'default-route', via: open.gateway, dev: open.ifname });
      await this.deps.host.apply([
        { op: 'netns-add', name: record.netns },
        ...planned.flatMap((p) => p.hostOps),
      ]);
      await this.deps.host.applyInNetns(record.netns, nsOps);
      live.files = renderSandboxFiles(record, await hostFiles);
      for (const ep of record.endpoints) this.registerNames(record, ep);
      this.deps.logger.info(
        {
          container: request.containerId,
          netns: record.netns,
          ips: record.endpoints.map((e) => e.ipAddress),
        },
        'sandbox created',
      );
      return live;
    } catch (err) {
      this.deps.logger.debug(
        { container: request.containerId, err: errorMessage(err) },
        'sandbox creation failed; rolling back',
      );
      await live.publication?.close();
      this.deps.table.remove(request.containerId);
      await this.deps.host.deleteNetns(record.netns).catch(() => {});
      record.endpoints = planned.map((p) => p.stored);
      await this.finishRelease(record);
      throw err;
    }
  }

  private async resolveEndpoints(requests: EndpointRequest[]): Promise<WantedEndpoint[]> {
    const list = requests.length > 0 ? requests : [{ network: BuiltInNetwork.Bridge, aliases: [] }];
    const resolved: WantedEndpoint[] = [];
    for (const request of list) {
      const network = await this.deps.registry.resolve(request.network);
      if (network.driver !== 'bridge') {
        throw new InvalidArgumentError(
          `network ${network.name} cannot be combined with other networks: use network mode ${network.name === 'host' ? 'host' : 'none'}`,
        );
      }
      if (resolved.some((r) => r.network.id === network.id)) {
        throw new InvalidArgumentError(`network ${network.name} is listed twice`);
      }
      validateAliases(request.aliases, network);
      if (request.ipv4Address && network.builtIn) {
        throw new InvalidArgumentError(
          'user specified IP address is supported on user defined networks only',
        );
      }
      resolved.push({ network, request });
    }
    return resolved;
  }

  private async defaultGateway(): Promise<string[]> {
    const bridge = await this.deps.registry.resolve(BuiltInNetwork.Bridge).catch(() => undefined);
    return bridge?.gateway ? [bridge.gateway] : [];
  }

  private registerNames(record: SandboxRecord, ep: StoredEndpoint): void {
    // Docker's default bridge has no name resolution between containers; the entry without names
    // still tells the resolver who is asking (for the container's own --dns upstreams).
    const names =
      ep.networkName === BuiltInNetwork.Bridge
        ? []
        : [record.containerName, ...ep.aliases, record.hostname, record.containerId.slice(0, 12)].filter(
            (n) => n.length > 0,
          );
    this.deps.table.add({
      containerId: record.containerId,
      networkId: ep.networkId,
      ipAddress: ep.ipAddress,
      names,
      ptrName: `${record.containerName || record.containerId.slice(0, 12)}.${ep.networkName}`,
    });
  }

  /** Once the kernel dropped the sandbox's veths: frees its leases and its record. */
  private async finishRelease(record: SandboxRecord): Promise<void> {
    await awaitVethsGone(
      this.deps.host,
      record.endpoints.map((e) => e.hostVeth),
    );
    for (const ep of record.endpoints) {
      await this.deps.leases.release(ep.networkId, ep.ipAddress, holderOf(record));
    }
    await this.deps.store.remove(record);
  }

  private requireBridge(containerId: string): LiveSandbox {
    const sb = this.live.get(containerId);
    if (!sb) throw new SandboxNotFoundError(containerId);
    if (sb.record.mode !== 'bridge') {
      throw new ConflictError(
        `container ${containerId} uses network mode ${sb.record.mode}: only containers on bridge networks can be connected or disconnected`,
      );
    }
    return sb;
  }

  private toSandbox(sb: LiveSandbox): Sandbox {
    return {
      containerId: sb.record.containerId,
      netnsPath: sb.netnsPath,
      endpoints: sb.record.endpoints.map(toEndpoint),
      ports: sb.record.ports.map((p) => ({ ...p })),
      hosts: sb.files.hosts,
      hostname: sb.files.hostname,
      resolvConf: sb.files.resolvConf,
    };
  }
}

function firstOpen(endpoints: StoredEndpoint[]): StoredEndpoint | undefined {
  return endpoints.find((e) => !e.internal);
}

function nextIfname(endpoints: StoredEndpoint[]): string {
  for (let i = 0; ; i++) if (!endpoints.some((e) => e.ifname === `eth${i}`)) return `eth${i}`;
}

function toEndpoint(e: StoredEndpoint): Endpoint {
  return {
    networkId: e.networkId,
    networkName: e.networkName,
    endpointId: e.endpointId,
    ipAddress: e.ipAddress,
    prefixLen: e.prefixLen,
    gateway: e.gateway,
    macAddress: e.macAddress,
    aliases: [...e.aliases],
  };
}
