import type { NetworkWire } from '../../api/wire/network-mapper.js';
import type { CliContext } from '../cli-context.js';
import { filtersJson } from '../filter-flags.js';
import { err, jsonLine, out } from '../output.js';
import { confirm } from '../prompt.js';
import { formatTable, shortId } from '../table.js';
import { keyValues, UsageError } from '../units.js';
import { inspectObjects, labelsText, removeObjects } from './object-verbs.js';

export interface NetworkCreateFlags {
  driver?: string;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  label: string[];
  opt: string[];
}

export interface NetworkListFlags {
  quiet?: boolean;
  filter: string[];
  format?: string;
  json?: boolean;
  trunc: boolean;
}

const path = (name: string, suffix = '') => `/networks/${encodeURIComponent(name)}${suffix}`;

/** `skiff network create`: the body the docker CLI sends; prints the new network's ID. */
export async function networkCreate(
  ctx: CliContext,
  name: string,
  flags: NetworkCreateFlags,
): Promise<number> {
  if (flags.gateway && !flags.subnet) {
    throw new UsageError(`--gateway ${flags.gateway} needs the --subnet it belongs to`, 1);
  }
  const config = flags.subnet
    ? [{ Subnet: flags.subnet, ...(flags.gateway ? { Gateway: flags.gateway } : {}) }]
    : [];
  const created = await ctx.client.json<{ Id: string; Warning?: string }>('POST', '/networks/create', {
    body: {
      Name: name,
      CheckDuplicate: true,
      Driver: flags.driver ?? 'bridge',
      Internal: flags.internal ?? false,
      Attachable: false,
      Ingress: false,
      IPAM: { Driver: 'default', Options: {}, Config: config },
      Options: keyValues(flags.opt),
      Labels: keyValues(flags.label),
    },
  });
  if (created.Warning) err(`WARNING: ${created.Warning}`);
  out(`${created.Id}\n`);
  return 0;
}

/** `skiff network ls`: docker's table, `-q` IDs, or `--format json` (one object per line, docker's fields). */
export async function networkList(ctx: CliContext, flags: NetworkListFlags): Promise<number> {
  const format = flags.json ? 'json' : (flags.format ?? 'table');
  if (format !== 'json' && format !== 'table') {
    throw new UsageError(`unsupported --format ${JSON.stringify(format)}: use table or json`, 1);
  }
  const list = await ctx.client.json<NetworkWire[]>('GET', '/networks', {
    query: { filters: filtersJson(flags.filter) },
  });
  list.sort((a, b) => a.Name.localeCompare(b.Name));
  const id = (n: NetworkWire) => (flags.trunc ? shortId(n.Id) : n.Id);
  if (flags.quiet) {
    out(list.map((n) => `${id(n)}\n`).join(''));
    return 0;
  }
  if (format === 'json') {
    for (const n of list) {
      out(
        jsonLine({
          CreatedAt: n.Created,
          Driver: n.Driver,
          ID: id(n),
          IPv4: String(n.IPAM.Config.length > 0),
          IPv6: String(n.EnableIPv6),
          Internal: String(n.Internal),
          Labels: labelsText(n.Labels),
          Name: n.Name,
          Scope: n.Scope,
        }),
      );
    }
    return 0;
  }
  out(
    formatTable(
      ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
      list.map((n) => [id(n), n.Name, n.Driver, n.Scope]),
    ),
  );
  return 0;
}

/** `skiff network inspect`: a JSON array, or one rendered `--format` line per network. */
export function networkInspect(
  ctx: CliContext,
  names: string[],
  flags: { format?: string },
): Promise<number> {
  return inspectObjects<NetworkWire>(ctx, 'network', names, path, flags.format);
}

/** `skiff network rm`: each network in turn; the name on success, docker's error line otherwise. */
export function networkRemove(ctx: CliContext, names: string[]): Promise<number> {
  return removeObjects(ctx, names, path);
}

export async function networkConnect(
  ctx: CliContext,
  network: string,
  container: string,
  flags: { alias: string[]; ip?: string },
): Promise<number> {
  const endpoint: Record<string, unknown> = { Aliases: flags.alias };
  if (flags.ip) endpoint.IPAMConfig = { IPv4Address: flags.ip };
  await ctx.client.call('POST', path(network, '/connect'), {
    body: { Container: container, EndpointConfig: endpoint },
  });
  return 0;
}

export async function networkDisconnect(
  ctx: CliContext,
  network: string,
  container: string,
  flags: { force?: boolean },
): Promise<number> {
  await ctx.client.call('POST', path(network, '/disconnect'), {
    body: { Container: container, Force: flags.force ?? false },
  });
  return 0;
}

/** `skiff network prune`: removes every custom network no running container uses. */
export async function networkPrune(
  ctx: CliContext,
  flags: { force?: boolean; filter: string[] },
): Promise<number> {
  const warning = 'WARNING! This will remove all custom networks not used by at least one container.';
  if (!flags.force && !(await confirm(`${warning}\nAre you sure you want to continue?`))) return 0;
  const result = await ctx.client.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', {
    query: { filters: filtersJson(flags.filter) },
  });
  const deleted = result.NetworksDeleted ?? [];
  if (deleted.length > 0) out(`Deleted Networks:\n${deleted.join('\n')}\n`);
  return 0;
}
