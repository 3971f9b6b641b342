import { ConflictError } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';

/** `docker pause`: the runtime freezes the container's cgroup. */
export async function pauseContainer(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  if (record.state.status === 'paused') throw new ConflictError(`Container ${record.id} is already paused`);
  if (record.state.status !== 'running') throw new ConflictError(`Container ${record.id} is not running`);
  await ctx.deps.runtime.pause(record.id);
  record.state.status = 'paused';
  await ctx.store.save(record);
  ctx.publish('pause', record);
}

export async function unpauseContainer(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  if (record.state.status !== 'paused') throw new ConflictError(`Container ${record.id} is not paused`);
  await ctx.deps.runtime.resume(record.id);
  record.state.status = 'running';
  await ctx.store.save(record);
  ctx.publish('unpause', record);
}
