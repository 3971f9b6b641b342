import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';

/** moby's default `/etc/hosts` head (`libnetwork/etchosts`). */
const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Docker's fallback when the host only has loopback resolvers (`libnetwork/resolvconf`). */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

/** `name:ip` (Docker's `--add-host`); `host-gateway` means the host seen from the container. */
export function extraHostLines(extraHosts: readonly string[], hostGateway: string): string[] {
  return extraHosts.map((entry) => {
    const sep = entry.indexOf(':');
    if (sep <= 0)
      throw new InvalidArgumentError(`invalid extra host ${JSON.stringify(entry)}: expected name:ip`);
    const name = entry.slice(0, sep);
    let ip = entry.slice(sep + 1);
    if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (ip === 'host-gateway') ip = hostGateway;
    return `${ip}\t${name}`;
  });
}

export interface ResolvOverrides {
  dns: readonly string[];
  dnsSearch: readonly string[];
  dnsOptions: readonly string[];
}

/** Copies the host's resolv.conf without loopback resolvers (they mean nothing in another netns), with overrides. */
export function containerResolvConf(
  hostResolv: string,
  overrides: ResolvOverrides,
  keepLoopback: boolean,
): string {
  const lines = hostResolv.split('\n').map((l) => l.trim());
  let nameservers = lines.filter((l) => /^nameserver\s/.test(l)).map((l) => l.split(/\s+/)[1] ?? '');
  if (!keepLoopback) nameservers = nameservers.filter((ns) => !/^(127\.|::1$)/.test(ns));
  if (overrides.dns.length > 0) nameservers = [...overrides.dns];
  if (nameservers.length === 0) nameservers = FALLBACK_NAMESERVERS;
  const search =
    overrides.dnsSearch.length > 0
      ? [...overrides.dnsSearch]
      : lines.filter((l) => /^(search|domain)\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  const options =
    overrides.dnsOptions.length > 0
      ? [...overrides.dnsOptions]
      : lines.filter((l) => /^options\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1));
  const out = nameservers.map((ns) => `nameserver ${ns}`);
  if (search.length > 0) out.push(`search ${search.join(' ')}`);
  if (options.length > 0) out.push(`options ${options.join(' ')}`);
  return `${out.join('\n')}\n`;
}

/**
 * The files the engine bind-mounts at `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf` for the
 * modes it handles without the network manager: `none` (own netns, loopback only) and `host`.
 */
export async function etcFilesFor(
  mode: 'none' | 'host',
  options: {
    hostname: string;
    domainname: string;
    extraHosts: readonly string[];
    resolv: ResolvOverrides;
    readHostFile?: (path: string) => Promise<string>;
  },
): Promise<EtcFiles> {
  const read = options.readHostFile ?? ((p: string) => readFile(p, 'utf8').catch(() => ''));
  const fqdn = options.domainname ? `${options.hostname}.${options.domainname}` : options.hostname;
  const extra = extraHostLines(options.extraHosts, '127.0.0.1');
  let hosts: string;
  if (mode === 'host') {
    const hostHosts = await read('/etc/hosts');
    hosts = `${hostHosts.trimEnd()}\n${extra.map((l) => `${l}\n`).join('')}`;
  } else {
    hosts = `${[...DEFAULT_HOSTS, ...extra].join('\n')}\n`;
  }
  const resolvConf = containerResolvConf(await read('/etc/resolv.conf'), options.resolv, mode === 'host');
  return { hosts, hostname: `${fqdn}\n`, resolvConf };
}
