import { ConflictError } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import { releaseScratch } from './container-creator.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';

/**
 * `DELETE /containers/{id}`: a running container is refused unless `force`, which kills it
 * first. The record disappears at once (its directory is renamed away); unmounting and deleting
 * the rootfs and scratch files happen in the background, tracked so they finish before the
 * engine closes and are redone by recovery if the engine dies first. `removeVolumes` also
 * deletes the container's anonymous volumes, as Docker's `-v` does.
 */
export async function removeContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
  options: { force?: boolean; removeVolumes?: boolean },
): Promise<void> {
  const live = ctx.liveOf(record);
  const { id } = record;
  if (live.removing) throw new ConflictError(`removal of container ${id} is already in progress`);
  if (isRunningStatus(record.state.status)) {
    if (!options.force) {
      throw new ConflictError(
        `cannot remove container "/${record.spec.name}": container is ${record.state.status}: stop the container before removing or force remove`,
      );
    }
    live.removing = true;
    live.manuallyStopped = true;
    if (live.restartTimer) {
      clearTimeout(live.restartTimer);
      live.restartTimer = undefined;
    }
    const supervisor = live.supervisor;
    if (supervisor?.running) {
      const paused = record.state.status === 'paused';
      await supervisor.kill('SIGKILL');
      if (paused) await ctx.deps.runtime.resume(id).catch(() => undefined);
      await live.exitHandled;
    }
  }
  live.removing = true;
  record.state.status = 'removing';
  ctx.health.stop(id);
  ctx.execs.dropContainer(id);
  ctx.logs.forget(id);
  live.stdio.endRun();
  await ctx.store.remove(id);
  ctx.live.delete(id);
  ctx.track('releasing the container rootfs', releaseScratch(ctx, id), { containerId: id });
  if (live.placement?.memoryOnParent) ctx.track('removing the container cgroup', ctx.cgroups.remove(id));
  if (options.removeVolumes) {
    for (const m of record.mounts) {
      if (m.type !== 'volume' || !m.name) continue;
      const volume = await ctx.volumes.find(m.name);
      if (!volume?.anonymous) continue;
      await ctx.volumes
        .remove(m.name)
        .catch((err: unknown) =>
          ctx.logger.info({ containerId: id, volume: m.name, err }, 'anonymous volume kept: still in use'),
        );
    }
  }
  ctx.publish('destroy', record);
  // Waiters for an exit that can no longer come (a created container removed) are answered too.
  ctx.waiters.emit(`exit:${id}`, undefined);
  ctx.waiters.emit(`removed:${id}`, record.state.exitCode);
}
