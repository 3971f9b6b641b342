import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import { releaseScratch } from './container-creator.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';

/** How long recovery waits for killed processes to disappear before it gives up on one. */
const KILL_WAIT_MS = 10_000;
const RECOVERED_EXIT_CODE = 137;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: readonly number[], deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return !pids.some(alive);
}

/** A process that is a zombie or gone no longer holds a cgroup. */
async function live(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/**
 * Startup after a crash (or a clean stop): this engine's stdio pipes to any container that still
 * runs died with the previous process, so nothing can be reattached — everything is cleaned up:
 *
 * 1. every container the runtime still knows (its private state root) is killed and deleted;
 * 2. every process left in this engine's cgroups (`/skiff/<engine>/<id>`) is killed, the cgroups removed;
 * 3. records that were running become `exited` (137, with an error saying why), auto-remove
 *    ones are removed, sandboxes released, bundles deleted;
 * 4. the rootfs manager unmounts and deletes every container root no record owns.
 *
 * Returns the containers whose restart policy (`always`, `unless-stopped`) asks for a start now,
 * as dockerd restarts them when it comes back.
 */
export async function recoverContainers(ctx: ContainerContext): Promise<string[]> {
  const log = ctx.logger.child({ phase: 'recovery' });
  const records = await ctx.store.load();
  const deadline = Date.now() + KILL_WAIT_MS;

  const states = await ctx.deps.runtime.list().catch((err: unknown) => {
    log.warn({ err: errorMessage(err) }, 'cannot list the runtime state; relying on cgroups');
    return [];
  });
  await Promise.all(
    states.map(async (s) => {
      if (s.pid > 0 && s.status !== 'stopped') {
        await ctx.deps.runtime.kill(s.id, 'SIGKILL', { all: true }).catch(() => undefined);
        if (s.status === 'paused') await ctx.deps.runtime.resume(s.id).catch(() => undefined);
        await waitGone([s.pid], deadline);
      }
      await ctx.deps.runtime
        .delete(s.id, { force: true })
        .catch((err: unknown) =>
          log.warn({ containerId: s.id, err: errorMessage(err) }, 'cannot delete runtime state'),
        );
      log.info({ containerId: s.id }, 'killed a container left by a previous engine');
    }),
  );

  for (const id of await ctx.cgroups.orphans()) {
    const pids = await ctx.cgroups.pids(id);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const gone = Date.now() + KILL_WAIT_MS;
    while (Date.now() < gone) {
      const left = await Promise.all((await ctx.cgroups.pids(id)).map(live));
      if (!left.some(Boolean)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await ctx.cgroups
      .remove(id)
      .catch((err: unknown) =>
        log.warn({ containerId: id, err: errorMessage(err) }, 'cannot remove a leftover cgroup'),
      );
  }

  const keep = new Set<string>();
  const restart: string[] = [];
  for (const record of records) {
    const wasRunning = isRunningStatus(record.state.status);
    await recoverRecord(ctx, record, keep).catch((err: unknown) =>
      log.error({ containerId: record.id, err: errorMessage(err) }, 'cannot recover container'),
    );
    const policy = record.spec.restartPolicy.name;
    if (wasRunning && keep.has(record.id) && (policy === 'always' || policy === 'unless-stopped')) {
      restart.push(record.id);
    }
  }
  const removed = await ctx.deps.rootfs.reconcile(keep);
  if (removed.length > 0) log.info({ count: removed.length }, 'removed leftover container roots');
  await ctx.store.flush();
  return restart;
}

async function recoverRecord(
  ctx: ContainerContext,
  record: ContainerRecord,
  keep: Set<string>,
): Promise<void> {
  const wasRunning = isRunningStatus(record.state.status) || record.state.status === 'removing';
  if (
    ctx.deps.network &&
    !['none', 'host'].includes(record.spec.networkMode) &&
    !record.spec.networkMode.startsWith('container:')
  ) {
    await ctx.deps.network.releaseSandbox(record.id);
    record.ports = [];
    record.endpoints = [];
  }
  if (record.state.status === 'removing' || (wasRunning && record.spec.autoRemove)) {
    await ctx.store.remove(record.id);
    for (const m of record.mounts) {
      if (m.type !== 'volume' || !m.name) continue;
      const v = await ctx.volumes.find(m.name);
      if (v?.anonymous) await ctx.volumes.remove(m.name).catch(() => undefined);
    }
    await releaseScratch(ctx, record.id).catch(() => undefined);
    return;
  }
  keep.add(record.id);
  await rm(path.join(ctx.bundleDir(record.id)), { recursive: true, force: true });
  if (wasRunning) {
    Object.assign(record.state, {
      status: 'exited',
      pid: 0,
      exitCode: RECOVERED_EXIT_CODE,
      error: 'the engine stopped while the container was running; it was killed on the next engine start',
      finishedAt: ctx.timestamp(),
      health: record.state.health ? { ...record.state.health, status: 'unhealthy' } : undefined,
    });
    await ctx.store.save(record);
    ctx.publish('die', record, { exitCode: String(RECOVERED_EXIT_CODE) });
  }
}
