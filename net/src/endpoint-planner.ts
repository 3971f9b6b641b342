import type { HostOp, NetnsOp } from './host/host-net.js';
import { macForIpv4, parseCidr, parseIpv4 } from './ipv4.js';
import type { NetworkRegistry } from './network-registry.js';
import type { ResourceNames } from './resource-names.js';
import type { FileLock } from './state/file-lock.js';
import type { LeaseHolder, LeaseStore } from './state/lease-store.js';
import type { SandboxRecord, StoredEndpoint, StoredNetwork } from './state/records.js';
import type { EndpointRequest } from './types.js';

/** A planned endpoint: its address is leased, its kernel objects not yet made. */
export interface PlannedEndpoint {
  stored: StoredEndpoint;
  hostOps: HostOp[];
  nsOps: NetnsOp[];
}

export interface WantedEndpoint {
  network: StoredNetwork;
  request: EndpointRequest;
}

export function holderOf(record: Pick<SandboxRecord, 'containerId' | 'netns'>): LeaseHolder {
  return { containerId: record.containerId, sandbox: record.netns ?? record.containerId };
}

/**
 * Leases addresses and plans the kernel operations of a sandbox's endpoints. Leasing and writing
 * the sandbox record (`persist`) happen under the engine lock that `removeNetwork` takes to look
 * for attached containers, so a network cannot be removed between the lease and the record.
 */
export class EndpointPlanner {
  constructor(
    private readonly deps: {
      names: ResourceNames;
      registry: NetworkRegistry;
      leases: LeaseStore;
      engineLock: FileLock;
    },
  ) {}

  async plan(
    record: SandboxRecord,
    wanted: WantedEndpoint[],
    ifnames: string[],
    persist: (endpoints: StoredEndpoint[]) => Promise<void>,
  ): Promise<PlannedEndpoint[]> {
    const planned: PlannedEndpoint[] = [];
    const holder = holderOf(record);
    try {
      await this.deps.engineLock.run(async () => {
        for (const [i, { network, request }] of wanted.entries()) {
          // Re-read under the lock: the network may have been removed since it was resolved.
          const current = await this.deps.registry.resolve(network.id);
          planned.push(await this.planOne(record, current, request, ifnames[i]!, holder));
        }
        await persist(planned.map((p) => p.stored));
      });
    } catch (err) {
      for (const p of planned) await this.deps.leases.release(p.stored.networkId, p.stored.ipAddress, holder);
      throw err;
    }
    return planned;
  }

  private async planOne(
    record: SandboxRecord,
    network: StoredNetwork,
    request: EndpointRequest,
    ifname: string,
    holder: LeaseHolder,
  ): Promise<PlannedEndpoint> {
    const subnet = parseCidr(network.subnet)!;
    const ip = await this.deps.leases.lease(
      network.id,
      network.name,
      subnet,
      parseIpv4(network.gateway)!,
      holder,
      request.ipv4Address || undefined,
    );
    const stored: StoredEndpoint = {
      networkId: network.id,
      networkName: network.name,
      endpointId: this.deps.names.endpointId(),
      ipAddress: ip,
      prefixLen: subnet.prefix,
      gateway: network.gateway,
      macAddress: macForIpv4(parseIpv4(ip)!),
      aliases: [...request.aliases],
      hostVeth: this.deps.names.veth(),
      ifname,
      internal: network.internal,
    };
    return {
      stored,
      hostOps: [
        {
          op: 'veth-add',
          hostName: stored.hostVeth,
          alias: this.deps.names.vethAlias(record.containerId),
          master: network.bridge,
          netns: record.netns!,
          peerName: ifname,
          peerMac: stored.macAddress,
        },
      ],
      nsOps: [
        { op: 'link-up', name: ifname },
        { op: 'addr-add', dev: ifname, address: `${ip}/${subnet.prefix}` },
      ],
    };
  }
}
