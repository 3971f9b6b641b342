import { HOST_ALIASES } from './constants.js';
import {
  type ExtraHost,
  parseExtraHosts,
  parseResolvConf,
  renderHostModeHosts,
  renderHosts,
  renderResolvConf,
  withoutLoopback,
} from './etc-files.js';
import type { SandboxRecord } from './state/records.js';

/** What the host's own files say, read when a sandbox is built (they may change between containers). */
export interface HostFiles {
  hosts: string;
  resolvConf: string;
  hostname: string;
}

export interface SandboxFiles {
  hosts: string;
  /** The host name itself; `/etc/hostname` holds it plus a newline. */
  hostname: string;
  resolvConf: string;
}

/** The gateway of the first network: the host as the container sees it. */
export function hostGatewayOf(record: SandboxRecord): string | undefined {
  return record.endpoints[0]?.gateway;
}

/**
 * `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf` for a sandbox. On bridge networks the
 * resolver is the embedded one on the first network's gateway (with `ndots:0`, as Docker writes);
 * none and host mode get the host's resolvers, without loopback ones in none mode.
 */
export function renderSandboxFiles(record: SandboxRecord, host: HostFiles): SandboxFiles {
  const hostResolv = parseResolvConf(host.resolvConf);
  const dnsSearch = record.dnsSearch.length > 0 ? record.dnsSearch : hostResolv.search;
  const hostname = record.hostname;
  if (record.mode === 'host') {
    const extra: ExtraHost[] = [
      ...HOST_ALIASES.map((name) => ({ name, ip: '127.0.0.1' })),
      ...parseExtraHosts(record.extraHosts, '127.0.0.1'),
    ];
    return {
      hosts: renderHostModeHosts(host.hosts, extra),
      hostname,
      resolvConf:
        record.dns.length > 0 || record.dnsSearch.length > 0 || record.dnsOptions.length > 0
          ? renderResolvConf({
              nameservers: record.dns.length > 0 ? record.dns : hostResolv.nameservers,
              search: dnsSearch,
              options: record.dnsOptions.length > 0 ? record.dnsOptions : hostResolv.options,
            })
          : host.resolvConf,
    };
  }
  const gateway = hostGatewayOf(record);
  const hosts = renderHosts({
    hostname,
    domainname: record.domainname,
    addresses: record.endpoints.map((e) => e.ipAddress),
    hostGateway: gateway,
    extraHosts: parseExtraHosts(record.extraHosts, gateway),
  });
  const resolvConf = gateway
    ? renderResolvConf({
        nameservers: [gateway],
        search: dnsSearch,
        options: ['ndots:0', ...record.dnsOptions],
      })
    : renderResolvConf({
        nameservers: record.dns.length > 0 ? record.dns : withoutLoopback(hostResolv.nameservers),
        search: dnsSearch,
        options: record.dnsOptions,
      });
  return { hosts, hostname, resolvConf };
}
