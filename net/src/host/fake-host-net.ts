import { HostCommandError } from '../errors.js';
import { formatCidr, parseCidr } from '../ipv4.js';
import type { AddressInfo, HostNet, HostOp, LinkInfo, NetnsOp, RouteInfo } from './host-net.js';

interface FakeLink {
  alias: string | undefined;
  master: string | undefined;
  addresses: string[];
  up: boolean;
  /** For veths: where the other end lives. */
  peer?: { netns: string | undefined; name: string };
}

interface FakeNetns {
  links: Map<string, FakeLink>;
  defaultRoute: { via: string; dev: string } | undefined;
}

/**
 * An in-memory kernel for unit tests: links, namespaces, addresses, default routes, sysctls and
 * iptables input, with the failure modes the real one has (a name that exists, a missing device).
 * Deleting a namespace destroys its veths and their host ends, as the kernel does.
 */
export class FakeHostNet implements HostNet {
  readonly links = new Map<string, FakeLink>();
  readonly namespaces = new Map<string, FakeNetns>();
  readonly sysctls = new Map<string, string>([['net.ipv4.ip_forward', '0']]);
  readonly iptablesRestores: { table: string; rules: string }[] = [];
  readonly iptablesCalls: string[][] = [];
  /** Routes the "host" already has besides Skiff's bridges. */
  hostRoutes: RouteInfo[] = [{ dst: '192.0.2.0/24', dev: 'eth0' }];
  hostAddresses: AddressInfo[] = [{ dev: 'eth0', address: '192.0.2.2', prefix: 24 }];
  /** Number of batches applied (host and namespace), to check that work is batched. */
  batches = 0;
  /** Makes the next operation matching the predicate fail like `ip` would. */
  failWhen: ((op: HostOp | NetnsOp) => boolean) | undefined;

  /** Like the kernel, deleting a device takes a while (a bridge: 40+ ms); the device stays meanwhile. */
  linkDeleteDelayMs = 0;

  async apply(ops: HostOp[]): Promise<void> {
    if (ops.length === 0) return;
    this.batches += 1;
    if (this.linkDeleteDelayMs > 0 && ops.some((o) => o.op === 'link-del')) {
      await new Promise((r) => setTimeout(r, this.linkDeleteDelayMs));
    }
    for (const op of ops) this.applyHost(op);
  }

  async applyInNetns(netns: string, ops: NetnsOp[]): Promise<void> {
    if (ops.length === 0) return;
    this.batches += 1;
    const ns = this.namespaces.get(netns);
    if (!ns) throw fail(`Cannot open network namespace "${netns}": No such file or directory`);
    for (const op of ops) this.applyNetns(ns, op);
  }

  /** Like the kernel, the veths of a deleted namespace disappear a little later. */
  netnsTeardownDelayMs = 0;

  async deleteNetns(name: string): Promise<void> {
    const ns = this.namespaces.get(name);
    if (!ns) return;
    this.namespaces.delete(name);
    const dropVeths = () => {
      for (const link of ns.links.values()) {
        if (link.peer && link.peer.netns === undefined) this.links.delete(link.peer.name);
      }
    };
    if (this.netnsTeardownDelayMs > 0) setTimeout(dropVeths, this.netnsTeardownDelayMs);
    else dropVeths();
  }

  netnsPath(name: string): string {
    return `/run/netns/${name}`;
  }

  async listNetns(): Promise<string[]> {
    return [...this.namespaces.keys()];
  }

  async listLinks(): Promise<LinkInfo[]> {
    return [...this.links.entries()].map(([name, l]) => ({ name, alias: l.alias, master: l.master }));
  }

  async linkExists(name: string): Promise<boolean> {
    return this.links.has(name);
  }

  async ipv4Routes(): Promise<{ routes: RouteInfo[]; addresses: AddressInfo[] }> {
    const routes = [...this.hostRoutes];
    const addresses = [...this.hostAddresses];
    for (const [name, link] of this.links) {
      for (const a of link.addresses) {
        const [ip, prefix] = a.split('/');
        addresses.push({ dev: name, address: ip!, prefix: Number(prefix) });
        routes.push({ dst: formatCidr(parseCidr(a)!), dev: name });
      }
    }
    return { routes, addresses };
  }

  async readSysctl(key: string): Promise<string | undefined> {
    return this.sysctls.get(key);
  }

  async writeSysctl(key: string, value: string): Promise<void> {
    this.sysctls.set(key, value);
  }

  async iptablesRestore(table: 'filter' | 'nat', rules: string): Promise<void> {
    this.iptablesRestores.push({ table, rules });
  }

  async iptables(args: string[]): Promise<boolean> {
    this.iptablesCalls.push(args);
    return !args.includes('-C');
  }

  /** The namespace's state, for assertions. */
  netns(name: string): FakeNetns | undefined {
    return this.namespaces.get(name);
  }

  private check(op: HostOp | NetnsOp): void {
    if (this.failWhen?.(op)) {
      this.failWhen = undefined;
      throw fail(`injected failure at ${op.op}`);
    }
  }

  private applyHost(op: HostOp): void {
    this.check(op);
    switch (op.op) {
      case 'bridge-add':
        if (this.links.has(op.name)) throw fail('RTNETLINK answers: File exists');
        this.links.set(op.name, { alias: op.alias, master: undefined, addresses: [op.address], up: true });
        return;
      case 'netns-add':
        if (this.namespaces.has(op.name))
          throw fail(`Cannot create namespace file "/run/netns/${op.name}": File exists`);
        this.namespaces.set(op.name, {
          links: new Map([['lo', { alias: undefined, master: undefined, addresses: [], up: false }]]),
          defaultRoute: undefined,
        });
        return;
      case 'veth-add': {
        const ns = this.namespaces.get(op.netns);
        if (!ns) throw fail(`Invalid "netns" value "${op.netns}"`);
        if (this.links.has(op.hostName) || ns.links.has(op.peerName))
          throw fail('RTNETLINK answers: File exists');
        if (!this.links.has(op.master)) throw fail(`Device "${op.master}" does not exist.`);
        this.links.set(op.hostName, {
          alias: op.alias,
          master: op.master,
          addresses: [],
          up: true,
          peer: { netns: op.netns, name: op.peerName },
        });
        ns.links.set(op.peerName, {
          alias: undefined,
          master: undefined,
          addresses: [],
          up: false,
          peer: { netns: undefined, name: op.hostName },
        });
        return;
      }
      case 'link-del': {
        const link = this.links.get(op.name);
        if (!link) throw fail(`Cannot find device "${op.name}"`);
        this.links.delete(op.name);
        if (link.peer?.netns) this.namespaces.get(link.peer.netns)?.links.delete(link.peer.name);
        return;
      }
    }
  }

  private applyNetns(ns: FakeNetns, op: NetnsOp): void {
    this.check(op);
    switch (op.op) {
      case 'link-up':
        requireLink(ns, op.name).up = true;
        return;
      case 'addr-add':
        requireLink(ns, op.dev).addresses.push(op.address);
        return;
      case 'default-route':
        requireLink(ns, op.dev);
        ns.defaultRoute = { via: op.via, dev: op.dev };
        return;
      case 'default-route-del':
        if (!ns.defaultRoute) throw fail('RTNETLINK answers: No such process');
        ns.defaultRoute = undefined;
        return;
      case 'link-del': {
        const link = requireLink(ns, op.name);
        ns.links.delete(op.name);
        if (link.peer && link.peer.netns === undefined) this.links.delete(link.peer.name);
        if (ns.defaultRoute?.dev === op.name) ns.defaultRoute = undefined;
        return;
      }
    }
  }
}

function requireLink(ns: FakeNetns, name: string): FakeLink {
  const link = ns.links.get(name);
  if (!link) throw fail(`Cannot find device "${name}"`);
  return link;
}

function fail(stderr: string): HostCommandError {
  return new HostCommandError(`ip -batch failed: ${stderr}`, stderr);
}
