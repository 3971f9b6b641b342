import type { Logger } from 'pino';
import { BuiltInNetwork, NETWORK_NAME_PATTERN } from './constants.js';
import {
  ConflictError,
  HostCommandError,
  InvalidArgumentError,
  NetworkNotFoundError,
  PoolExhaustedError,
} from './errors.js';
import type { HostNet } from './host/host-net.js';
import {
  type Cidr,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  macForIpv4,
  parseCidr,
  parseIpv4,
  usableRange,
} from './ipv4.js';
import type { ResourceNames } from './resource-names.js';
import type { FileLock } from './state/file-lock.js';
import type { NetworkStore } from './state/network-store.js';
import type { StoredNetwork } from './state/records.js';
import { chooseSubnet, describePools, occupiedRanges, type SubnetPool } from './subnet-allocator.js';
import type { NetworkCreateRequest } from './types.js';

export interface NetworkRegistryDeps {
  host: HostNet;
  store: NetworkStore;
  names: ResourceNames;
  pools: SubnetPool[];
  /** Held while a subnet is chosen and its bridge created: shared by every engine on the machine. */
  hostLock: FileLock;
  logger: Logger;
  now: () => Date;
  defaultBridgeSubnet: string | undefined;
}

/**
 * Network records and their bridges. A subnet is chosen and its bridge (carrying the gateway
 * address, hence a route) created under the machine-wide lock, so the next engine to choose sees
 * the route and never picks an overlapping subnet.
 */
export class NetworkRegistry {
  /** name → id as last listed: lets `resolve` read one file instead of all; always verified. */
  private readonly idsByName = new Map<string, string>();

  constructor(private readonly deps: NetworkRegistryDeps) {}

  async list(): Promise<StoredNetwork[]> {
    const all = await this.deps.store.list();
    this.idsByName.clear();
    for (const n of all) this.idsByName.set(n.name, n.id);
    return all;
  }

  /** Full id, then exact name, then a unique id prefix (Docker's order). */
  async resolve(ref: string): Promise<StoredNetwork> {
    // `NetworkMode: "default"` (what the docker CLI sends) is the default bridge on Linux.
    if (ref === 'default') ref = BuiltInNetwork.Bridge;
    const byId = await this.deps.store.get(ref);
    if (byId) return byId;
    const cached = this.idsByName.get(ref);
    const byName = cached === undefined ? undefined : await this.deps.store.get(cached);
    if (byName?.name === ref) return byName;
    const all = await this.list();
    const found =
      all.find((n) => n.id === ref) ??
      all.find((n) => n.name === ref) ??
      (() => {
        const byPrefix = ref.length > 0 ? all.filter((n) => n.id.startsWith(ref)) : [];
        if (byPrefix.length > 1) {
          throw new InvalidArgumentError(
            `network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`,
          );
        }
        return byPrefix[0];
      })();
    if (!found) throw new NetworkNotFoundError(ref);
    return found;
  }

  /** Validates a create request; throws before anything is created. */
  validate(request: NetworkCreateRequest): { subnet: Cidr | undefined; gateway: number | undefined } {
    if (typeof request.name !== 'string' || !NETWORK_NAME_PATTERN.test(request.name)) {
      throw new InvalidArgumentError(
        `invalid network name ${JSON.stringify(request.name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    if (request.driver !== undefined && request.driver !== 'bridge') {
      throw new InvalidArgumentError(
        `plugin "${String(request.driver)}" not found: Skiff supports the bridge driver only`,
      );
    }
    for (const [what, map] of [
      ['label', request.labels],
      ['option', request.options],
    ] as const) {
      for (const [k, v] of Object.entries(map ?? {})) {
        if (typeof v !== 'string')
          throw new InvalidArgumentError(`${what} ${JSON.stringify(k)} must be a string`);
      }
    }
    let subnet: Cidr | undefined;
    if (request.subnet !== undefined && request.subnet !== '') {
      subnet = parseCidr(request.subnet, true);
      if (!subnet) {
        throw new InvalidArgumentError(
          `invalid subnet ${JSON.stringify(request.subnet)}: expected a network in CIDR form, like 10.211.0.0/24`,
        );
      }
      if (subnet.prefix > 30 || subnet.prefix < 8) {
        throw new InvalidArgumentError(
          `invalid subnet ${request.subnet}: the prefix length must be between /8 and /30`,
        );
      }
    }
    let gateway: number | undefined;
    if (request.gateway !== undefined && request.gateway !== '') {
      if (!subnet)
        throw new InvalidArgumentError(`gateway ${request.gateway} needs a --subnet it belongs to`);
      gateway = parseIpv4(request.gateway);
      const { first, last } = usableRange(subnet);
      if (gateway === undefined || !cidrContains(subnet, gateway) || gateway < first || gateway > last) {
        throw new InvalidArgumentError(
          `invalid gateway ${JSON.stringify(request.gateway)}: expected a usable address of ${request.subnet}`,
        );
      }
    }
    return { subnet, gateway };
  }

  /** Creates the record and its bridge. The caller holds the engine lock and has checked the name. */
  async create(request: NetworkCreateRequest, builtIn = false): Promise<StoredNetwork> {
    const { subnet, gateway } = this.validate(request);
    const existing = await this.list();
    if (existing.some((n) => n.name === request.name)) {
      throw new ConflictError(`network with name ${request.name} already exists`);
    }
    return this.deps.hostLock.run(async () => {
      const chosen = await this.pickSubnet(subnet, existing);
      const gw = gateway ?? usableRange(chosen).first;
      for (let attempt = 0; ; attempt++) {
        const id = this.deps.names.networkId();
        const record: StoredNetwork = {
          id,
          name: request.name,
          driver: 'bridge',
          created: this.deps.now().toISOString(),
          subnet: formatCidr(chosen),
          gateway: formatIpv4(gw),
          bridge: this.deps.names.bridgeFor(id),
          internal: request.internal ?? false,
          labels: { ...(request.labels ?? {}) },
          options: { ...(request.options ?? {}) },
          builtIn,
          poolAllocated: subnet === undefined,
        };
        try {
          await this.createBridge(record);
        } catch (err) {
          // Another engine's bridge has the same 8-hex name: take another id.
          if (attempt < 3 && err instanceof HostCommandError && /File exists/.test(err.stderr)) continue;
          throw err;
        }
        try {
          await this.deps.store.put(record);
        } catch (err) {
          await this.deps.host.apply([{ op: 'link-del', name: record.bridge }]).catch(() => {});
          throw err;
        }
        this.deps.logger.info(
          { network: record.name, id: record.id, subnet: record.subnet, bridge: record.bridge },
          'network created',
        );
        return record;
      }
    });
  }

  /** Default `bridge`, `host` and `none` records; bridges of stored networks that vanished (reboot) come back. */
  async ensureBuiltIns(): Promise<void> {
    const all = await this.list();
    if (!all.some((n) => n.name === BuiltInNetwork.Bridge)) {
      await this.create({ name: BuiltInNetwork.Bridge, subnet: this.deps.defaultBridgeSubnet }, true);
    }
    for (const [name, driver] of [
      [BuiltInNetwork.Host, 'host'],
      [BuiltInNetwork.None, 'null'],
    ] as const) {
      if (all.some((n) => n.name === name)) continue;
      await this.deps.store.put({
        id: this.deps.names.networkId(),
        name,
        driver,
        created: this.deps.now().toISOString(),
        subnet: '',
        gateway: '',
        bridge: '',
        internal: false,
        labels: {},
        options: {},
        builtIn: true,
        poolAllocated: false,
      });
    }
    const links = new Set((await this.deps.host.listLinks()).map((l) => l.name));
    for (const record of await this.list()) {
      if (record.driver !== 'bridge' || links.has(record.bridge)) continue;
      await this.recreateBridge(record);
    }
  }

  /** Removes the record; the bridge is deleted by the caller (slow: 40+ ms of kernel time). */
  async removeRecord(record: StoredNetwork): Promise<void> {
    await this.deps.store.remove(record.id);
    this.deps.logger.info({ network: record.name, id: record.id }, 'network removed');
  }

  private async recreateBridge(record: StoredNetwork): Promise<void> {
    await this.deps.hostLock.run(async () => {
      const others = (await this.list()).filter((n) => n.id !== record.id);
      const { routes, addresses } = await this.deps.host.ipv4Routes();
      const occupied = occupiedRanges(
        routes,
        addresses,
        others.map((n) => n.subnet),
      );
      const subnet = parseCidr(record.subnet)!;
      if (occupied.some((o) => cidrsOverlap(o, subnet))) {
        if (!record.poolAllocated) {
          this.deps.logger.error(
            { network: record.name, subnet: record.subnet },
            'subnet now overlaps a host route; network left without a bridge',
          );
          return;
        }
        const moved = await this.pickSubnet(undefined, others);
        record.subnet = formatCidr(moved);
        record.gateway = formatIpv4(usableRange(moved).first);
      }
      await this.createBridge(record);
      await this.deps.store.put(record);
      this.deps.logger.info(
        { network: record.name, bridge: record.bridge, subnet: record.subnet },
        'bridge recreated',
      );
    });
  }

  private async createBridge(record: StoredNetwork): Promise<void> {
    const prefix = parseCidr(record.subnet)!.prefix;
    await this.deps.host.apply([
      {
        op: 'bridge-add',
        name: record.bridge,
        mac: macForIpv4(parseIpv4(record.gateway)!),
        alias: this.deps.names.bridgeAlias(record.id),
        address: `${record.gateway}/${prefix}`,
      },
    ]);
  }

  /** Called with the host lock held. */
  private async pickSubnet(requested: Cidr | undefined, recorded: StoredNetwork[]): Promise<Cidr> {
    const { routes, addresses } = await this.deps.host.ipv4Routes();
    const mine = recorded.filter((n) => n.subnet !== '').map((n) => n.subnet);
    if (requested) {
      const clash =
        routes.find((r) => r.dst !== 'default' && overlaps(r.dst, requested)) ??
        addresses
          .map((a) => ({ dst: `${a.address}/${a.prefix}`, dev: a.dev }))
          .find((r) => overlaps(r.dst, requested));
      if (clash) {
        throw new ConflictError(
          `subnet ${formatCidr(requested)} overlaps ${clash.dst}${clash.dev ? ` on ${clash.dev}` : ''}: choose a subnet no host route or network uses`,
        );
      }
      const network = recorded.find((n) => n.subnet !== '' && overlaps(n.subnet, requested));
      if (network)
        throw new ConflictError(
          `subnet ${formatCidr(requested)} overlaps network ${network.name} (${network.subnet})`,
        );
      return requested;
    }
    const chosen = chooseSubnet(this.deps.pools, occupiedRanges(routes, addresses, mine));
    if (!chosen) {
      throw new PoolExhaustedError(
        `no free subnet left in the address pools ${describePools(this.deps.pools)}: remove unused networks (skiff network prune) or configure a larger pool`,
      );
    }
    return chosen;
  }
}

function overlaps(cidrText: string, cidr: Cidr): boolean {
  const other = parseCidr(cidrText.includes('/') ? cidrText : `${cidrText}/32`);
  return other !== undefined && cidrsOverlap(other, cidr);
}
