import { isIPv4 } from 'node:net';

/** IPv4 arithmetic on unsigned 32-bit numbers. Everything Skiff allocates is IPv4. */

export interface Cidr {
  /** Network address (host bits cleared). */
  network: number;
  prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.').map(Number);
  return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) as number;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses `a.b.c.d/len`. With `strict`, host bits must be zero (Docker rejects `10.0.0.1/24` as a
 * subnet); otherwise they are cleared. Returns undefined for anything malformed.
 */
export function parseCidr(text: string, strict = false): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const network = (address & maskOf(prefix)) >>> 0;
  if (strict && network !== address) return undefined;
  return { network, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function lastAddress(cidr: Cidr): number {
  return (cidr.network + cidrSize(cidr) - 1) >>> 0;
}

export function cidrContains(cidr: Cidr, address: number): boolean {
  return (address & maskOf(cidr.prefix)) >>> 0 === cidr.network;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = maskOf(prefix);
  return (a.network & mask) >>> 0 === (b.network & mask) >>> 0;
}

/** Addresses a container may lease: not the network or broadcast address (for prefixes up to /30). */
export function usableRange(cidr: Cidr): { first: number; last: number } {
  if (cidr.prefix >= 31) return { first: cidr.network, last: lastAddress(cidr) };
  return { first: cidr.network + 1, last: lastAddress(cidr) - 1 };
}

/**
 * A locally administered MAC derived from the IPv4 address (`02:42:` + the four octets), as Docker
 * did: when an address is reused, neighbours' ARP caches still point at the right MAC.
 */
export function macForIpv4(address: number): string {
  const octets = [0x02, 0x42, address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255];
  return octets.map((o) => o.toString(16).padStart(2, '0')).join(':');
}
