/**
 * The operating system behind one narrow port (STYLE.md, youki habit): everything `@skiff/net`
 * changes in the kernel goes through `HostNet`. `LinuxHostNet` drives iproute2, sysctl files and
 * iptables; `FakeHostNet` models the same objects in memory for unit tests.
 *
 * Operations are data, applied as one batch per namespace, because one `ip -batch` costs what one
 * `ip` call costs (measured: 7 calls 11–14 ms, one batch 5–6.5 ms).
 */

/** Operations in the host's network namespace. */
export type HostOp =
  /** A Linux bridge with a fixed MAC (so it does not change as ports come and go), its gateway address, up. */
  | { op: 'bridge-add'; name: string; mac: string; alias: string; address: string }
  /** A named network namespace (`/run/netns/<name>`). */
  | { op: 'netns-add'; name: string }
  /** A veth pair: `hostName` enslaved to `master` and up; `peerName` created directly inside `netns`. */
  | {
      op: 'veth-add';
      hostName: string;
      alias: string;
      master: string;
      netns: string;
      peerName: string;
      peerMac: string;
    }
  | { op: 'link-del'; name: string };

/** Operations inside a sandbox's namespace. */
export type NetnsOp =
  | { op: 'link-up'; name: string }
  /** `address` is `ip/prefix`. */
  | { op: 'addr-add'; dev: string; address: string }
  | { op: 'default-route'; via: string; dev: string }
  | { op: 'default-route-del' }
  | { op: 'link-del'; name: string };

export interface LinkInfo {
  name: string;
  /** `ip link set … alias`: how Skiff marks what it owns. */
  alias: string | undefined;
  master: string | undefined;
}

export interface RouteInfo {
  /** CIDR or `default`. */
  dst: string;
  dev: string | undefined;
}

export interface AddressInfo {
  dev: string;
  address: string;
  prefix: number;
}

export interface HostNet {
  /** Applies host-namespace operations in order, as one batch; stops at the first failure. */
  apply(ops: HostOp[]): Promise<void>;
  /** Applies operations inside the named namespace, as one batch. */
  applyInNetns(netns: string, ops: NetnsOp[]): Promise<void>;
  /** Removes the namespace's name; the kernel tears down its devices (and their veth peers) asynchronously. */
  deleteNetns(name: string): Promise<void>;
  netnsPath(name: string): string;
  listNetns(): Promise<string[]>;
  listLinks(): Promise<LinkInfo[]>;
  /** Cheap existence check (a stat in /sys/class/net), used while waiting for teardown. */
  linkExists(name: string): Promise<boolean>;
  /** IPv4 routes of the main table and addresses of running devices: what a new subnet must not overlap. */
  ipv4Routes(): Promise<{ routes: RouteInfo[]; addresses: AddressInfo[] }>;
  readSysctl(key: string): Promise<string | undefined>;
  writeSysctl(key: string, value: string): Promise<void>;
  /** `iptables-restore --noflush` for one table; declaring `:CHAIN - [0:0]` flushes that chain. */
  iptablesRestore(table: 'filter' | 'nat', rules: string): Promise<void>;
  /** One `iptables` call; resolves false instead of rejecting when it exits non-zero (for `-C`). */
  iptables(args: string[]): Promise<boolean>;
}
