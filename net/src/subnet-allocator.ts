import type { SubnetPoolConfig } from './constants.js';
import { InvalidArgumentError } from './errors.js';
import { type Cidr, cidrSize, cidrsOverlap, formatCidr, parseCidr } from './ipv4.js';

export interface SubnetPool {
  base: Cidr;
  size: number;
}

/** Validates pool configuration once, at construction: a bad pool is a configuration error. */
export function parsePools(configs: readonly SubnetPoolConfig[]): SubnetPool[] {
  if (configs.length === 0) throw new InvalidArgumentError('at least one subnet pool is needed');
  return configs.map((c) => {
    const base = parseCidr(c.base, true);
    if (!base)
      throw new InvalidArgumentError(
        `invalid subnet pool base ${JSON.stringify(c.base)}: expected a.b.c.d/len`,
      );
    if (!Number.isInteger(c.size) || c.size < base.prefix || c.size > 30) {
      throw new InvalidArgumentError(
        `invalid subnet size /${c.size} for pool ${c.base}: expected ${base.prefix}..30`,
      );
    }
    return { base, size: c.size };
  });
}

/**
 * The occupied IPv4 space: every route the host has (except the default route) and the network of
 * every address on any device, plus subnets Skiff has recorded whose bridge is not up right now.
 */
export function occupiedRanges(
  routes: { dst: string }[],
  addresses: { address: string; prefix: number }[],
  recorded: string[],
): Cidr[] {
  const ranges: Cidr[] = [];
  for (const r of routes) {
    if (r.dst === 'default') continue;
    const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    if (c) ranges.push(c);
  }
  for (const a of addresses) {
    const c = parseCidr(`${a.address}/${a.prefix}`);
    if (c) ranges.push(c);
  }
  for (const s of recorded) {
    const c = parseCidr(s);
    if (c) ranges.push(c);
  }
  return ranges;
}

/** The first subnet of the pools that overlaps nothing occupied, or undefined when all are taken. */
export function chooseSubnet(pools: SubnetPool[], occupied: Cidr[]): Cidr | undefined {
  for (const pool of pools) {
    const step = 2 ** (32 - pool.size);
    const count = cidrSize(pool.base) / step;
    for (let i = 0; i < count; i++) {
      const candidate = { network: (pool.base.network + i * step) >>> 0, prefix: pool.size };
      if (!occupied.some((o) => cidrsOverlap(o, candidate))) return candidate;
    }
  }
  return undefined;
}

export function describePools(pools: SubnetPool[]): string {
  return pools.map((p) => `${formatCidr(p.base)} (/${p.size})`).join(', ');
}
