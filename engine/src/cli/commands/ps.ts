import type { ContainerSummaryWire } from '../../api/wire/container-wire.js';
import { humanDuration } from '../../api/wire/human-duration.js';
import type { CliContext } from '../cli-context.js';
import { filtersJson } from '../filter-flags.js';
import { formatPorts, jsonLine, out } from '../output.js';
import { ellipsis, formatTable, shortId } from '../table.js';
import { parseIntFlag, UsageError } from '../units.js';
import { labelsText } from './object-verbs.js';

export interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  filter: string[];
  last?: string;
  latest?: boolean;
  trunc: boolean;
  format?: string;
  json?: boolean;
}

/** The fields of `docker ps --format json`. */
function jsonItem(c: ContainerSummaryWire, now: number, trunc: boolean) {
  return {
    Command: JSON.stringify(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: new Date(c.Created * 1000).toISOString(),
    ID: trunc ? shortId(c.Id) : c.Id,
    Image: c.Image,
    Labels: labelsText(c.Labels),
    LocalVolumes: String(c.Mounts.filter((m) => m.Type === 'volume').length),
    Mounts: c.Mounts.map((m) => m.Name ?? m.Source).join(','),
    Names: c.Names.map((n) => n.replace(/^\//, '')).join(','),
    Networks: Object.keys(c.NetworkSettings.Networks).join(','),
    Ports: formatPorts(c.Ports),
    RunningFor: `${humanDuration(now - c.Created * 1000)} ago`,
    Size: '0B',
    State: c.State,
    Status: c.Status,
  };
}

export async function ps(ctx: CliContext, flags: PsFlags): Promise<number> {
  const format = flags.json ? 'json' : (flags.format ?? 'table');
  if (format !== 'json' && format !== 'table') {
    throw new UsageError(`unsupported --format ${JSON.stringify(format)}: use table or json`, 1);
  }
  const limit = flags.latest ? 1 : flags.last === undefined ? undefined : parseIntFlag(flags.last, '--last');
  const list = await ctx.client.json<ContainerSummaryWire[]>('GET', '/containers/json', {
    query: { all: flags.all ? 1 : undefined, limit, filters: filtersJson(flags.filter) },
  });
  const trunc = flags.trunc;
  if (flags.quiet) {
    out(list.map((c) => `${trunc ? shortId(c.Id) : c.Id}\n`).join(''));
    return 0;
  }
  const now = Date.now();
  if (format === 'json') {
    out(list.map((c) => jsonLine(jsonItem(c, now, trunc))).join(''));
    return 0;
  }
  const rows = list.map((c) => {
    const item = jsonItem(c, now, trunc);
    return [item.ID, c.Image, item.Command, item.RunningFor, c.Status, item.Ports, item.Names];
  });
  out(formatTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
  return 0;
}
