import type { Logger } from 'pino';
import { BRIDGE_PREFIX, ISOLATION_CHAIN } from './constants.js';
import { errorMessage, HostUnsupportedError } from './errors.js';
import type { HostNet } from './host/host-net.js';
import type { NetworkRecord } from './types.js';

const IP_FORWARD = 'net.ipv4.ip_forward';

/**
 * Isolation and outbound NAT, with rules only where they are needed.
 *
 * With `net.ipv4.ip_forward=0` (this machine's default) the kernel routes nothing between
 * interfaces: containers on different bridges cannot reach each other and nothing leaves the
 * machine, with no rules at all. When forwarding is on (because this engine enables NAT, or anything
 * else did), the shared `SKIFF-ISOLATION` chain rejects routed traffic into and out of every `skf-`
 * bridge of every engine, leaving traffic inside one bridge alone. With `outboundNat`, the engine's
 * own chains (`SKF-<engineId>` in filter and nat) let its non-internal networks out, masqueraded.
 */
export class Firewall {
  private isolationInstalled = false;
  private readonly chain: string;

  constructor(
    private readonly host: HostNet,
    engineId: string,
    private readonly outboundNat: boolean,
    private readonly logger: Logger,
  ) {
    this.chain = `SKF-${engineId}`;
  }

  /** Brings the rules in line with the engine's networks; call after a network is created or removed. */
  async sync(networks: NetworkRecord[]): Promise<void> {
    const bridges = networks.filter((n) => n.driver === 'bridge' && n.bridge !== '');
    if (this.outboundNat) {
      if ((await this.host.readSysctl(IP_FORWARD)) !== '1') {
        this.logger.warn('outbound NAT requested: enabling net.ipv4.ip_forward');
        await this.host.writeSysctl(IP_FORWARD, '1');
      }
    }
    if ((await this.host.readSysctl(IP_FORWARD)) !== '1') return;
    try {
      await this.ensureIsolation();
      if (this.outboundNat) await this.syncNat(bridges);
    } catch (err) {
      if (this.outboundNat) throw err;
      // Without NAT the rules are defence in depth; a host without iptables still gets its networks.
      this.logger.warn(
        { err: errorMessage(err) },
        'could not install isolation rules; containers on different networks may reach each other',
      );
    }
  }

  /** Removes this engine's own chains (never the shared one: other engines rely on it). */
  async removeOwnChains(): Promise<void> {
    for (const [table, parent] of [
      ['filter', 'FORWARD'],
      ['nat', 'POSTROUTING'],
    ] as const) {
      if (!(await this.host.iptables(['-t', table, '-S', this.chain]))) continue;
      while (await this.host.iptables(['-t', table, '-D', parent, '-j', this.chain])) {}
      await this.host.iptables(['-t', table, '-F', this.chain]);
      await this.host.iptables(['-t', table, '-X', this.chain]);
    }
  }

  private async ensureIsolation(): Promise<void> {
    if (this.isolationInstalled) return;
    const b = `${BRIDGE_PREFIX}+`;
    await this.host.iptablesRestore(
      'filter',
      [
        `:${ISOLATION_CHAIN} - [0:0]`,
        // Bridged (layer 2) traffic inside one network passes FORWARD too when br_netfilter is loaded.
        `-A ${ISOLATION_CHAIN} -m physdev --physdev-is-bridged -j RETURN`,
        `-A ${ISOLATION_CHAIN} -i ${b} -j REJECT --reject-with icmp-host-unreachable`,
        `-A ${ISOLATION_CHAIN} -o ${b} -j DROP`,
      ].join('\n'),
    );
    if (!(await this.host.iptables(['-C', 'FORWARD', '-j', ISOLATION_CHAIN]))) {
      await this.host.iptables(['-A', 'FORWARD', '-j', ISOLATION_CHAIN]);
    }
    this.isolationInstalled = true;
  }

  private async syncNat(bridges: NetworkRecord[]): Promise<void> {
    const open = bridges.filter((n) => !n.internal);
    const filter = [`:${this.chain} - [0:0]`];
    const nat = [`:${this.chain} - [0:0]`];
    for (const n of open) {
      filter.push(`-A ${this.chain} -i ${n.bridge} ! -o ${BRIDGE_PREFIX}+ -j ACCEPT`);
      filter.push(`-A ${this.chain} -o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
      nat.push(`-A ${this.chain} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
    }
    try {
      await this.host.iptablesRestore('filter', filter.join('\n'));
      await this.host.iptablesRestore('nat', nat.join('\n'));
    } catch (err) {
      throw new HostUnsupportedError(`outbound NAT needs iptables: ${errorMessage(err)}`, { cause: err });
    }
    // The engine's accept rules must come before the shared isolation chain.
    if (!(await this.host.iptables(['-C', 'FORWARD', '-j', this.chain]))) {
      await this.host.iptables(['-I', 'FORWARD', '1', '-j', this.chain]);
    }
    if (!(await this.host.iptables(['-t', 'nat', '-C', 'POSTROUTING', '-j', this.chain]))) {
      await this.host.iptables(['-t', 'nat', '-A', 'POSTROUTING', '-j', this.chain]);
    }
  }
}
