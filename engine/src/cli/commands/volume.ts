import { humanSize } from '../../api/wire/human-duration.js';
import type { VolumeWire } from '../../api/wire/volume-mapper.js';
import type { CliContext } from '../cli-context.js';
import { filtersJson } from '../filter-flags.js';
import { jsonLine, out } from '../output.js';
import { confirm } from '../prompt.js';
import { formatTable } from '../table.js';
import { keyValues, UsageError } from '../units.js';
import { inspectObjects, labelsText, removeObjects } from './object-verbs.js';

export interface VolumeCreateFlags {
  driver?: string;
  label: string[];
  opt: string[];
}

export interface VolumeListFlags {
  quiet?: boolean;
  filter: string[];
  format?: string;
}

const path = (name: string) => `/volumes/${encodeURIComponent(name)}`;

/** `skiff volume create [NAME]`: the body the docker CLI sends; prints the volume's name. */
export async function volumeCreate(
  ctx: CliContext,
  name: string | undefined,
  flags: VolumeCreateFlags,
): Promise<number> {
  const created = await ctx.client.json<VolumeWire>('POST', '/volumes/create', {
    body: {
      ...(name ? { Name: name } : {}),
      Driver: flags.driver ?? 'local',
      DriverOpts: keyValues(flags.opt),
      Labels: keyValues(flags.label),
    },
  });
  out(`${created.Name}\n`);
  return 0;
}

/** `skiff volume ls`: docker's table, `-q` names, or `--format json` (one object per line). */
export async function volumeList(ctx: CliContext, flags: VolumeListFlags): Promise<number> {
  const format = flags.format ?? 'table';
  if (format !== 'json' && format !== 'table') {
    throw new UsageError(`unsupported --format ${JSON.stringify(format)}: use table or json`, 1);
  }
  const { Volumes } = await ctx.client.json<{ Volumes: VolumeWire[] | null }>('GET', '/volumes', {
    query: { filters: filtersJson(flags.filter) },
  });
  const list = [...(Volumes ?? [])].sort((a, b) => a.Name.localeCompare(b.Name));
  if (flags.quiet) {
    out(list.map((v) => `${v.Name}\n`).join(''));
    return 0;
  }
  if (format === 'json') {
    for (const v of list) {
      out(
        jsonLine({
          Driver: v.Driver,
          Labels: labelsText(v.Labels),
          Mountpoint: v.Mountpoint,
          Name: v.Name,
          Scope: v.Scope,
        }),
      );
    }
    return 0;
  }
  out(
    formatTable(
      ['DRIVER', 'VOLUME NAME'],
      list.map((v) => [v.Driver, v.Name]),
    ),
  );
  return 0;
}

/** `skiff volume inspect`: a JSON array, or one rendered `--format` line per volume. */
export function volumeInspect(ctx: CliContext, names: string[], flags: { format?: string }): Promise<number> {
  return inspectObjects<VolumeWire>(ctx, 'volume', names, path, flags.format);
}

/** `skiff volume rm [-f]`: each volume in turn; the name on success, docker's error line otherwise. */
export function volumeRemove(ctx: CliContext, names: string[], flags: { force?: boolean }): Promise<number> {
  return removeObjects(ctx, names, path, { force: flags.force ? 1 : undefined });
}

/** `skiff volume prune [-a]`: unused anonymous volumes, or with `--all` every unused volume. */
export async function volumePrune(
  ctx: CliContext,
  flags: { force?: boolean; all?: boolean; filter: string[] },
): Promise<number> {
  const warning = flags.all
    ? 'WARNING! This will remove all local volumes not used by at least one container.'
    : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
  if (!flags.force && !(await confirm(`${warning}\nAre you sure you want to continue?`))) return 0;
  const filters = flags.all ? [...flags.filter, 'all=true'] : flags.filter;
  const result = await ctx.client.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>(
    'POST',
    '/volumes/prune',
    { query: { filters: filtersJson(filters) } },
  );
  const deleted = result.VolumesDeleted ?? [];
  if (deleted.length > 0) out(`Deleted Volumes:\n${deleted.join('\n')}\n\n`);
  out(`Total reclaimed space: ${humanSize(result.SpaceReclaimed ?? 0)}\n`);
  return 0;
}
