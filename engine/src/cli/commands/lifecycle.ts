import type { ContainerInspectWire } from '../../api/wire/container-wire.js';
import { humanSize } from '../../api/wire/human-duration.js';
import type { CliContext } from '../cli-context.js';
import { registerWait } from '../container-wait.js';
import { EngineApiError } from '../engine-client.js';
import { filtersJson } from '../filter-flags.js';
import { attachStdio } from '../hijacked-stdio.js';
import { err, out } from '../output.js';
import { parseIntFlag, UsageError } from '../units.js';

/**
 * Runs `fn` for each container, printing the name as given on success and docker's error line on
 * failure; the exit code is 1 if any failed.
 */
async function forEach(ids: string[], fn: (id: string) => Promise<void>, quiet = false): Promise<number> {
  let failed = false;
  for (const id of ids) {
    try {
      await fn(id);
      if (!quiet) out(`${id}\n`);
    } catch (e) {
      if (!(e instanceof EngineApiError)) throw e;
      err(`Error response from daemon: ${e.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export async function start(
  ctx: CliContext,
  ids: string[],
  flags: { attach?: boolean; interactive?: boolean },
): Promise<number> {
  if (!flags.attach && !flags.interactive) {
    return forEach(ids, async (id) => {
      await ctx.client.call('POST', `/containers/${id}/start`, { accept: [304] });
    });
  }
  if (ids.length !== 1) throw new UsageError('you cannot start and attach multiple containers at once', 1);
  const id = ids[0] ?? '';
  const info = await ctx.client.json<ContainerInspectWire>('GET', `/containers/${id}/json`);
  const tty = info.Config.Tty ?? false;
  const stdin = Boolean(flags.interactive && info.Config.OpenStdin);
  const [conn, exit] = await Promise.all([
    ctx.client.upgrade('POST', `/containers/${info.Id}/attach`, {
      query: { stream: 1, stdout: 1, stderr: 1, stdin: stdin ? 1 : undefined },
    }),
    registerWait(ctx.client, info.Id, 'next-exit'),
  ]);
  const streaming = attachStdio(conn, { tty, stdin });
  await ctx.client.call('POST', `/containers/${info.Id}/start`, { accept: [304] });
  await streaming;
  return (await exit.result).StatusCode;
}

export async function stopOrRestart(
  ctx: CliContext,
  verb: 'stop' | 'restart',
  ids: string[],
  flags: { timeout?: string; time?: string; signal?: string },
): Promise<number> {
  const t = flags.timeout ?? flags.time;
  const query = { t: t === undefined ? undefined : parseIntFlag(t, '--timeout'), signal: flags.signal };
  return forEach(ids, async (id) => {
    await ctx.client.call('POST', `/containers/${id}/${verb}`, { query, accept: [304] });
  });
}

export async function kill(ctx: CliContext, ids: string[], flags: { signal?: string }): Promise<number> {
  return forEach(ids, async (id) => {
    await ctx.client.call('POST', `/containers/${id}/kill`, { query: { signal: flags.signal } });
  });
}

export async function wait(ctx: CliContext, ids: string[]): Promise<number> {
  return forEach(
    ids,
    async (id) => {
      const result = await (await registerWait(ctx.client, id, 'not-running')).result;
      out(`${result.StatusCode}\n`);
    },
    true,
  );
}

export async function remove(
  ctx: CliContext,
  ids: string[],
  flags: { force?: boolean; volumes?: boolean },
): Promise<number> {
  return forEach(ids, async (id) => {
    await ctx.client.call('DELETE', `/containers/${id}`, {
      query: { force: flags.force ? 1 : undefined, v: flags.volumes ? 1 : undefined },
    });
  });
}

export async function pruneContainers(
  ctx: CliContext,
  flags: { force?: boolean; filter: string[] },
): Promise<number> {
  const result = await ctx.client.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>(
    'POST',
    '/containers/prune',
    { query: { filters: filtersJson(flags.filter) } },
  );
  const deleted = result.ContainersDeleted ?? [];
  if (deleted.length > 0) out(`Deleted Containers:\n${deleted.join('\n')}\n\n`);
  out(`Total reclaimed space: ${humanSize(result.SpaceReclaimed)}\n`);
  return 0;
}
