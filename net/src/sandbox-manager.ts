import type { Logger } from 'pino';
import type { BackgroundTasks } from './background-tasks.js';
import { BuiltInNetwork } from './constants.js';
import type { NameTable } from './dns/name-table.js';
import { ConflictError, errorMessage, InvalidArgumentError, SandboxNotFoundError } from './errors.js';
import { isValidHostname, parseExtraHosts, validateDnsServers } from './etc-files.js';
import type { HostNet, HostOp, NetnsOp } from './host/host-net.js';
import { macForIpv4, parseCidr, parseIpv4 } from './ipv4.js';
import type { NetworkRegistry } from './network-registry.js';
import type { PortPublisher, Publication } from './ports/port-publisher.js';
import type { ResourceNames } from './resource-names.js';
import { type HostFiles, renderSandboxFiles, type SandboxFiles } from './sandbox-files.js';
import type { FileLock } from './state/file-lock.js';
import type { LeaseStore } from './state/lease-store.js';
import { currentProcess } from './state/process-identity.js';
import type { SandboxRecord, StoredEndpoint, StoredNetwork } from './state/records.js';
import type { SandboxStore } from './state/sandbox-store.js';
import type { Endpoint, EndpointRequest, Sandbox, SandboxRequest } from './types.js';

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

/** A planned endpoint: its lease is taken, its kernel objects not yet made. */
interface PlannedEndpoint {
  stored: StoredEndpoint;
  network: StoredNetwork;
  hostOps: HostOp[];
  nsOps: NetnsOp[];
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TEARDOWN_POLL_MS = 5;
const TEARDOWN_TIMEOUT_MS = 5_000;

/**
 * Container sandboxes: a network namespace per container, a veth into each network's bridge, the
 * addresses and default route, DNS names, published ports and generated /etc files. Kernel work is
 * two `ip -batch` processes (host side, namespace side); the slow teardown (the kernel frees veths
 * of a deleted namespace 25+ ms later) runs in the background and is awaited by `settle()`.
 */
export class SandboxManager {
  private readonly live = new Map<string, LiveSandbox>();
  private readonly pending = new Set<string>();

  constructor(private readonly deps: SandboxManagerDeps) {}

  get(containerId: string): Sandbox | undefined {
    const sb = this.live.get(containerId);
    return sb && this.toSandbox(sb);
  }

  records(): SandboxRecord[] {
    return [...this.live.values()].map((s) => s.record);
  }

  async create(request: SandboxRequest): Promise<Sandbox> {
    this.validate(request);
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
    this.validateAliases(request.aliases, network);
    const ifname = nextIfname(sb.record.endpoints);
    const [planned] = await this.plan(sb.record, [{ network, request }], [ifname]);
    const { stored } = planned!;
    const nsOps = [...planned!.nsOps];
    if (!stored.internal && !sb.record.endpoints.some((e) => !e.internal)) {
      nsOps.push({ op: 'default-route', via: stored.gateway, dev: ifname });
    }
    try {
      await this.deps.host.apply(planned!.hostOps);
      await this.deps.host.applyInNetns(sb.record.netns!, nsOps);
    } catch (err) {
      await this.removeVeths([stored.hostVeth]);
      await this.deps.leases.release(stored.networkId, stored.ipAddress, holderOf(sb.record));
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

  /** Idempotent. Returns once nothing can reach the sandbox; leases are freed in the background. */
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
    await this.deps.host.deleteNetns(record.netns);
    record.released = true;
    await this.deps.store.put(record);
    this.deps.background.run(`release ${containerId}`, () => this.finishRelease(record));
    this.deps.logger.debug({ container: containerId, netns: record.netns }, 'sandbox released');
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
    await this.deps.store.put(record);
    let publication: Publication | undefined;
    let planned: PlannedEndpoint[] = [];
    try {
      planned = await this.plan(
        record,
        wanted,
        wanted.map((_, i) => `eth${i}`),
      );
      record.endpoints = planned.map((p) => p.stored);
      const live: LiveSandbox = {
        record,
        publication: undefined,
        files: renderSandboxFiles(record, await this.deps.readHostFiles()),
        netnsPath: this.deps.host.netnsPath(record.netns),
      };
      if (mode.kind === 'bridge' && request.ports.length > 0) {
        publication = await this.deps.publisher.publish(
          request.ports,
          (port) => () => {
            const ep = live.record.endpoints[0];
            return ep ? { host: ep.ipAddress, port } : undefined;
          },
          this.deps.publishOnBridgeGateway ? await this.defaultGateway() : [],
        );
        live.publication = publication;
        record.ports = publication.ports;
      }
      const nsOps: NetnsOp[] = [{ op: 'link-up', name: 'lo' }, ...planned.flatMap((p) => p.nsOps)];
      const open = firstOpen(record.endpoints);
      if (open) nsOps.push({ op: 'default-route', via: open.gateway, dev: open.ifname });
      await this.deps.host.apply([
        { op: 'netns-add', name: record.netns },
        ...planned.flatMap((p) => p.hostOps),
      ]);
      await this.deps.host.applyInNetns(record.netns, nsOps);
      await this.deps.store.put(record);
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
      await publication?.close();
      this.deps.table.remove(request.containerId);
      await this.deps.host.deleteNetns(record.netns).catch(() => {});
      record.endpoints = planned.map((p) => p.stored);
      await this.finishRelease(record);
      throw err;
    }
  }

  private async resolveEndpoints(
    requests: EndpointRequest[],
  ): Promise<{ network: StoredNetwork; request: EndpointRequest }[]> {
    const list = requests.length > 0 ? requests : [{ network: BuiltInNetwork.Bridge, aliases: [] }];
    const resolved: { network: StoredNetwork; request: EndpointRequest }[] = [];
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
      this.validateAliases(request.aliases, network);
      if (request.ipv4Address && network.builtIn) {
        throw new InvalidArgumentError(
          'user specified IP address is supported on user defined networks only',
        );
      }
      resolved.push({ network, request });
    }
    return resolved;
  }

  /** Leases addresses (under the engine lock, so the networks cannot vanish meanwhile) and plans kernel ops. */
  private async plan(
    record: SandboxRecord,
    wanted: { network: StoredNetwork; request: EndpointRequest }[],
    ifnames: string[],
  ): Promise<PlannedEndpoint[]> {
    const planned: PlannedEndpoint[] = [];
    const holder = holderOf(record);
    try {
      await this.deps.engineLock.run(async () => {
        for (const [i, { network, request }] of wanted.entries()) {
          const current = await this.deps.registry.resolve(network.id);
          const subnet = parseCidr(current.subnet)!;
          const ip = await this.deps.leases.lease(
            current.id,
            current.name,
            subnet,
            parseIpv4(current.gateway)!,
            holder,
            request.ipv4Address || undefined,
          );
          const stored: StoredEndpoint = {
            networkId: current.id,
            networkName: current.name,
            endpointId: this.deps.names.endpointId(),
            ipAddress: ip,
            prefixLen: subnet.prefix,
            gateway: current.gateway,
            macAddress: macForIpv4(parseIpv4(ip)!),
            aliases: [...request.aliases],
            hostVeth: this.deps.names.veth(),
            ifname: ifnames[i]!,
            internal: current.internal,
          };
          planned.push({
            stored,
            network: current,
            hostOps: [
              {
                op: 'veth-add',
                hostName: stored.hostVeth,
                alias: this.deps.names.vethAlias(record.containerId),
                master: current.bridge,
                netns: record.netns!,
                peerName: stored.ifname,
                peerMac: stored.macAddress,
              },
            ],
            nsOps: [
              { op: 'link-up', name: stored.ifname },
              { op: 'addr-add', dev: stored.ifname, address: `${ip}/${subnet.prefix}` },
            ],
          });
        }
      });
    } catch (err) {
      for (const p of planned) await this.deps.leases.release(p.stored.networkId, p.stored.ipAddress, holder);
      throw err;
    }
    return planned;
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

  /** Waits until the kernel dropped the sandbox's veths (deleting any it did not), then frees leases and the record. */
  private async finishRelease(record: SandboxRecord): Promise<void> {
    await this.removeVeths(record.endpoints.map((e) => e.hostVeth));
    for (const ep of record.endpoints) {
      await this.deps.leases.release(ep.networkId, ep.ipAddress, holderOf(record));
    }
    await this.deps.store.remove(record);
  }

  private async removeVeths(veths: string[]): Promise<void> {
    const deadline = Date.now() + TEARDOWN_TIMEOUT_MS;
    for (const veth of veths) {
      while ((await this.deps.host.linkExists(veth)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, TEARDOWN_POLL_MS));
      }
      // Still there: something keeps the namespace alive (a process inside it). Cut the cable.
      if (await this.deps.host.linkExists(veth)) {
        await this.deps.host.apply([{ op: 'link-del', name: veth }]).catch(() => {});
      }
    }
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

  private validate(request: SandboxRequest): void {
    if (!ID_PATTERN.test(request.containerId)) {
      throw new InvalidArgumentError(`invalid container id ${JSON.stringify(request.containerId)}`);
    }
    if (request.containerName && !ID_PATTERN.test(request.containerName)) {
      throw new InvalidArgumentError(`invalid container name ${JSON.stringify(request.containerName)}`);
    }
    if (request.hostname && !isValidHostname(request.hostname)) {
      throw new InvalidArgumentError(`invalid hostname ${JSON.stringify(request.hostname)}`);
    }
    if (request.domainname && !isValidHostname(request.domainname)) {
      throw new InvalidArgumentError(`invalid domain name ${JSON.stringify(request.domainname)}`);
    }
    validateDnsServers(request.dns);
    for (const value of [...request.dnsSearch, ...request.dnsOptions]) {
      if (!/^[^\s#;]+$/.test(value))
        throw new InvalidArgumentError(`invalid DNS search domain or option ${JSON.stringify(value)}`);
    }
    // host-gateway needs a network; the address is filled in later.
    parseExtraHosts(request.extraHosts, request.mode.kind === 'none' ? undefined : '0.0.0.0');
  }

  private validateAliases(aliases: string[], network: StoredNetwork): void {
    if (aliases.length > 0 && network.builtIn) {
      throw new InvalidArgumentError(
        'network-scoped aliases are supported only for containers in user defined networks',
      );
    }
    for (const alias of aliases) {
      if (!isValidHostname(alias))
        throw new InvalidArgumentError(`invalid network alias ${JSON.stringify(alias)}`);
    }
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

function holderOf(record: SandboxRecord) {
  return { containerId: record.containerId, sandbox: record.netns ?? record.containerId };
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
