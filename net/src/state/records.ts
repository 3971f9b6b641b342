import type { NetworkRecord, PublishedPort } from '../types.js';
import type { ProcessIdentity } from './process-identity.js';

/** What `@skiff/net` keeps on disk about one container's sandbox; written before kernel work starts. */
export interface SandboxRecord {
  containerId: string;
  containerName: string;
  mode: 'bridge' | 'none' | 'host' | 'container';
  /** Network namespace name; undefined for host and container mode. */
  netns: string | undefined;
  /** Container mode: the container whose namespace is shared. */
  sharedWith: string | undefined;
  /** The process that owns the sandbox's proxies and DNS entries; when it is gone, the sandbox is garbage. */
  owner: ProcessIdentity;
  endpoints: StoredEndpoint[];
  ports: PublishedPort[];
  hostname: string;
  domainname: string;
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  created: string;
  /** Set once release started: the namespace is gone, leases wait for the kernel to drop the veths. */
  released?: boolean;
}

export interface StoredEndpoint {
  networkId: string;
  networkName: string;
  endpointId: string;
  ipAddress: string;
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
  /** Host end of the veth pair (`skv…`), inside the network's bridge. */
  hostVeth: string;
  /** Name inside the namespace (`eth0`, `eth1`, …). */
  ifname: string;
  /** The network has no route out: no default route through it. */
  internal: boolean;
}

/** A network as stored: the public record plus whether its subnet came from the pool (so it may move). */
export interface StoredNetwork extends NetworkRecord {
  poolAllocated: boolean;
}

export function toNetworkRecord(stored: StoredNetwork): NetworkRecord {
  const { poolAllocated: _, ...record } = stored;
  return { ...record, labels: { ...record.labels }, options: { ...record.options } };
}
