import { humanDuration, humanSize } from '../../api/wire/human-duration.js';
import type { ImageHistoryWire, ImageSummaryWire } from '../../api/wire/image-wire.js';
import type { CliContext } from '../cli-context.js';
import { EngineApiError } from '../engine-client.js';
import { filtersJson } from '../filter-flags.js';
import { splitRepoTag } from '../image-name.js';
import { progressDisplay, pullImage, readProgress, registryAuthHeader } from '../image-pull.js';
import { err, jsonLine, out } from '../output.js';
import { ellipsis, formatTable, shortId } from '../table.js';
import { UsageError } from '../units.js';

export interface ImagesFlags {
  all?: boolean;
  quiet?: boolean;
  filter: string[];
  trunc: boolean;
  digests?: boolean;
  format?: string;
  json?: boolean;
}

function since(unixSeconds: number, now: number): string {
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/** One row per tag, `<none>` for untagged images, as `docker images` shows them. */
function rows(
  list: ImageSummaryWire[],
): { image: ImageSummaryWire; repo: string; tag: string; digest: string }[] {
  return list.flatMap((image) => {
    const digest = image.RepoDigests[0]?.split('@')[1] ?? '<none>';
    if (image.RepoTags.length === 0) return [{ image, repo: '<none>', tag: '<none>', digest }];
    return image.RepoTags.map((t) => {
      const { repo, tag } = splitRepoTag(t);
      return { image, repo, tag: tag ?? '<none>', digest };
    });
  });
}

export async function listImages(ctx: CliContext, flags: ImagesFlags): Promise<number> {
  const format = flags.json ? 'json' : (flags.format ?? 'table');
  if (format !== 'json' && format !== 'table') {
    throw new UsageError(`unsupported --format ${JSON.stringify(format)}: use table or json`, 1);
  }
  const list = await ctx.client.json<ImageSummaryWire[]>('GET', '/images/json', {
    query: { all: flags.all ? 1 : undefined, filters: filtersJson(flags.filter) },
  });
  list.sort((a, b) => b.Created - a.Created);
  const id = (i: ImageSummaryWire) => (flags.trunc ? shortId(i.Id) : i.Id);
  if (flags.quiet) {
    out([...new Set(list.map(id))].map((i) => `${i}\n`).join(''));
    return 0;
  }
  const now = Date.now();
  if (format === 'json') {
    for (const r of rows(list)) {
      out(
        jsonLine({
          Containers: 'N/A',
          CreatedAt: new Date(r.image.Created * 1000).toISOString(),
          CreatedSince: since(r.image.Created, now),
          Digest: r.digest,
          ID: id(r.image),
          Repository: r.repo,
          SharedSize: 'N/A',
          Size: humanSize(r.image.Size),
          Tag: r.tag,
          UniqueSize: 'N/A',
          VirtualSize: humanSize(r.image.Size),
        }),
      );
    }
    return 0;
  }
  const header = flags.digests
    ? ['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE']
    : ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];
  out(
    formatTable(
      header,
      rows(list).map((r) => {
        const cells = [r.repo, r.tag, id(r.image), since(r.image.Created, now), humanSize(r.image.Size)];
        if (flags.digests) cells.splice(2, 0, r.digest);
        return cells;
      }),
    ),
  );
  return 0;
}

export async function removeImages(
  ctx: CliContext,
  refs: string[],
  flags: { force?: boolean; prune: boolean },
): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      const items = await ctx.client.json<({ Untagged: string } | { Deleted: string })[]>(
        'DELETE',
        `/images/${ref}`,
        {
          query: { force: flags.force ? 1 : undefined, noprune: flags.prune ? undefined : 1 },
        },
      );
      for (const item of items)
        out('Untagged' in item ? `Untagged: ${item.Untagged}\n` : `Deleted: ${item.Deleted}\n`);
    } catch (e) {
      if (!(e instanceof EngineApiError)) throw e;
      err(`Error response from daemon: ${e.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export async function tagImage(ctx: CliContext, source: string, target: string): Promise<number> {
  const { repo, tag } = splitRepoTag(target);
  await ctx.client.call('POST', `/images/${source}/tag`, { query: { repo, tag } });
  return 0;
}

export async function pull(
  ctx: CliContext,
  ref: string,
  flags: { platform?: string; quiet?: boolean },
): Promise<number> {
  await pullImage(ctx.client, ref, {
    ...(flags.platform ? { platform: flags.platform } : {}),
    quiet: flags.quiet ?? false,
    tty: process.stdout.isTTY === true,
    write: (s) => process.stdout.write(s),
  });
  if (flags.quiet) out(`${ref}\n`);
  return 0;
}

export async function push(ctx: CliContext, ref: string, flags: { quiet?: boolean }): Promise<number> {
  const { repo, tag } = splitRepoTag(ref);
  const res = await ctx.client.request('POST', `/images/${repo}/push`, {
    query: { tag },
    headers: { 'X-Registry-Auth': await registryAuthHeader(ref) },
  });
  const display = await progressDisplay((s) => process.stdout.write(s), {
    tty: process.stdout.isTTY === true,
    quiet: flags.quiet ?? false,
  });
  await readProgress(res, display);
  return 0;
}

export async function history(
  ctx: CliContext,
  ref: string,
  flags: { quiet?: boolean; trunc: boolean; format?: string },
): Promise<number> {
  const list = await ctx.client.json<ImageHistoryWire[]>('GET', `/images/${ref}/history`);
  const id = (h: ImageHistoryWire) =>
    h.Id.startsWith('sha256:') ? (flags.trunc ? shortId(h.Id) : h.Id) : '<missing>';
  if (flags.quiet) {
    out(list.map((h) => `${id(h)}\n`).join(''));
    return 0;
  }
  if (flags.format === 'json') {
    out(list.map((h) => jsonLine(h)).join(''));
    return 0;
  }
  const now = Date.now();
  out(
    formatTable(
      ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
      list.map((h) => [
        id(h),
        since(h.Created, now),
        flags.trunc ? ellipsis(h.CreatedBy, 45) : h.CreatedBy,
        humanSize(h.Size),
        h.Comment,
      ]),
    ),
  );
  return 0;
}

export async function pruneImages(
  ctx: CliContext,
  flags: { all?: boolean; filter: string[] },
): Promise<number> {
  const filters = [...flags.filter, ...(flags.all ? ['dangling=false'] : [])];
  const result = await ctx.client.json<{
    ImagesDeleted: ({ Untagged?: string; Deleted?: string } | null)[] | null;
    SpaceReclaimed: number;
  }>('POST', '/images/prune', { query: { filters: filtersJson(filters) } });
  const deleted = result.ImagesDeleted ?? [];
  if (deleted.length > 0) {
    out('Deleted Images:\n');
    for (const d of deleted) out(d?.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d?.Deleted}\n`);
    out('\n');
  }
  out(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
  return 0;
}
