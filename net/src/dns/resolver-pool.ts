import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';
import type { NetworkRecord } from '../types.js';
import type { DnsResolver } from './dns-resolver.js';
import { DnsServer } from './dns-server.js';

/**
 * One embedded DNS listener per bridge network, on the network's gateway address (port 53), so a
 * container's resolv.conf names the host side of its own bridge. The gateway address is unique on
 * the machine, so engines never compete for a listener.
 */
export class ResolverPool {
  private readonly servers = new Map<string, DnsServer>();

  constructor(
    private readonly resolver: DnsResolver,
    private readonly logger: Logger,
    private readonly port = 53,
  ) {}

  async start(network: NetworkRecord): Promise<void> {
    if (network.driver !== 'bridge' || this.servers.has(network.id)) return;
    const server = new DnsServer(
      network.gateway,
      this.port,
      (query, source, transport) => this.resolver.answer(query, network.id, source, transport),
      this.logger.child({ network: network.name }),
    );
    try {
      await server.start();
      this.servers.set(network.id, server);
    } catch (err) {
      this.logger.warn(
        { network: network.name, address: `${network.gateway}:${this.port}`, err: errorMessage(err) },
        'embedded DNS could not listen; containers on this network will not resolve names',
      );
    }
  }

  async stop(networkId: string): Promise<void> {
    const server = this.servers.get(networkId);
    this.servers.delete(networkId);
    await server?.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.allSettled(all.map((s) => s.close()));
  }
}
