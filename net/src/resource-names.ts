import { randomBytes } from 'node:crypto';
import { ALIAS_PREFIX, BRIDGE_PREFIX, NETNS_PREFIX, VETH_PREFIX } from './constants.js';

/**
 * Names and marks of the kernel objects one engine owns. Device names are at most 15 characters,
 * so ownership is carried by the link alias (`skiff:<engineId>:net:<networkId>`,
 * `skiff:<engineId>:ep:<containerId>`) and by the namespace name (`skf-<engineId>-…`). Recovery
 * touches nothing without its own engine id.
 */
export class ResourceNames {
  constructor(
    readonly engineId: string,
    private readonly random: (bytes: number) => string = (n) => randomBytes(n).toString('hex'),
  ) {}

  networkId(): string {
    return this.random(32);
  }

  bridgeFor(networkId: string): string {
    return `${BRIDGE_PREFIX}${networkId.slice(0, 8)}`;
  }

  bridgeAlias(networkId: string): string {
    return `${ALIAS_PREFIX}${this.engineId}:net:${networkId}`;
  }

  vethAlias(containerId: string): string {
    return `${ALIAS_PREFIX}${this.engineId}:ep:${containerId.slice(0, 64)}`;
  }

  veth(): string {
    return `${VETH_PREFIX}${this.random(6)}`;
  }

  netnsPrefix(): string {
    return `${NETNS_PREFIX}${this.engineId}-`;
  }

  netns(containerId: string): string {
    return `${this.netnsPrefix()}${containerId.slice(0, 12)}-${this.random(2)}`;
  }

  endpointId(): string {
    return this.random(32);
  }

  /** The network id a bridge alias of this engine names, or undefined for anything else. */
  ownedNetworkId(alias: string | undefined): string | undefined {
    const prefix = `${ALIAS_PREFIX}${this.engineId}:net:`;
    return alias?.startsWith(prefix) ? alias.slice(prefix.length) : undefined;
  }

  ownsVeth(alias: string | undefined): boolean {
    return alias?.startsWith(`${ALIAS_PREFIX}${this.engineId}:ep:`) ?? false;
  }
}
