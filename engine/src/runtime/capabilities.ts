import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';

/** Every capability of Linux 5.9+, in bit order (capability.h); CAP_LAST_CAP is 40. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default set (moby `caps.DefaultCapabilities`). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const KNOWN = new Set<string>(ALL_CAPABILITIES);

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` are the same; `ALL` stays `ALL`. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!KNOWN.has(full)) {
    throw new InvalidArgumentError(`unknown capability: ${JSON.stringify(name)}`);
  }
  return full;
}

/** All capabilities the host kernel knows (`/proc/sys/kernel/cap_last_cap`), for privileged containers. */
export function allCapabilities(lastCap: number = ALL_CAPABILITIES.length - 1): string[] {
  return ALL_CAPABILITIES.slice(0, lastCap + 1);
}

/** The capabilities in a `/proc/<pid>/status` hex mask (`CapBnd:` etc.). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * The engine's own bounding set: what a privileged container can really get. A runtime asked for
 * more fails with `capset: Operation not permitted` (seen in VMs and nested containers that drop
 * e.g. CAP_SYS_RESOURCE).
 */
export async function readBoundingCapabilities(
  statusPath = '/proc/self/status',
): Promise<string[] | undefined> {
  const status = await readFile(statusPath, 'utf8').catch(() => '');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex === undefined ? undefined : capabilitiesFromMask(hex);
}

/** `all` is either the kernel's last capability number or the exact list available (bounding set). */
function everything(all: number | readonly string[] | undefined): string[] {
  return typeof all === 'object' ? [...all] : allCapabilities(all);
}

/**
 * Docker's TweakCapabilities: privileged gets everything; `--cap-add ALL` gives everything except
 * the drops; `--cap-drop ALL` keeps only the adds; otherwise defaults minus drops plus adds.
 * "Everything" is `all`: the engine's bounding set when known, else every capability of the kernel.
 */
export function resolveCapabilities(
  capAdd: readonly string[],
  capDrop: readonly string[],
  privileged: boolean,
  all?: number | readonly string[],
): string[] {
  const every = everything(all);
  if (privileged) return every;
  const adds = capAdd.map(normalizeCapability);
  const drops = capDrop.map(normalizeCapability);
  let caps: string[];
  if (adds.includes('ALL')) caps = every.filter((c) => !drops.includes(c));
  else if (drops.includes('ALL')) caps = adds;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps.filter((c) => c !== 'ALL'))];
}
