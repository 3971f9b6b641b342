import { ConflictError } from '../errors.js';
import { buildResources } from '../runtime/oci-resources.js';
import type { OciResources } from '../runtime/oci-spec-types.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';
import type { Resources, RestartPolicy } from './container-spec.js';

/** What `docker update` can change; an absent field keeps its value. */
export interface ContainerUpdateInput {
  resources?: Resources;
  restartPolicy?: RestartPolicy;
}

/** The new limits: CPU given as NanoCpus replaces a quota/period and the reverse (moby refuses mixing them). */
function mergedResources(current: Resources, update: Resources): Resources {
  const next: Resources = { ...current };
  if (update.nanoCpus !== undefined) {
    delete next.cpuQuota;
    delete next.cpuPeriod;
  }
  if (update.cpuQuota !== undefined || update.cpuPeriod !== undefined) delete next.nanoCpus;
  for (const [key, value] of Object.entries(update) as [keyof Resources, Resources[keyof Resources]][]) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  if (update.memory !== undefined && update.memorySwap === undefined) {
    // moby keeps an explicit swap limit, which must stay above the memory limit.
    if (next.memorySwap !== undefined && next.memorySwap > 0 && next.memorySwap < update.memory) {
      throw new ConflictError(
        'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
      );
    }
  }
  return next;
}

/**
 * `POST /containers/{id}/update`: new limits and restart policy are recorded for every later
 * start and, when the container runs, applied at once — memory on the engine's parent cgroup
 * when the limit lives there (see ContainerCgroups), everything else through the runtime's
 * `update`. Invalid values are refused before anything changes (the create-time checks).
 */
export async function updateContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
  input: ContainerUpdateInput,
): Promise<{ warnings: string[] }> {
  const warnings: string[] = [];
  const { spec } = record;
  if (input.restartPolicy && input.restartPolicy.name !== 'no' && spec.autoRemove) {
    throw new ConflictError(
      'Restart policy cannot be updated because AutoRemove is enabled for the container',
    );
  }
  const resources = input.resources ? mergedResources(spec.resources, input.resources) : spec.resources;
  const host = await ctx.hostFacts.get(spec.privileged);
  const oci = buildResources(resources, spec.privileged, host.swapLimit ?? true);

  const live = ctx.liveOf(record);
  if (input.resources && isRunningStatus(record.state.status) && live.supervisor?.running) {
    const changes: OciResources = {};
    const update = input.resources;
    const memoryChanged = update.memory !== undefined || update.memorySwap !== undefined;
    if (memoryChanged && oci.memory?.limit !== undefined) {
      if (live.placement?.memoryOnParent) {
        await ctx.cgroups.setParentMemory(record.id, oci.memory.limit, oci.memory.swap);
      } else {
        changes.memory = { ...oci.memory };
      }
    }
    const cpuChanged = ['nanoCpus', 'cpuQuota', 'cpuPeriod', 'cpuShares', 'cpusetCpus'].some(
      (k) => update[k as keyof Resources] !== undefined,
    );
    if (cpuChanged && oci.cpu) changes.cpu = { ...oci.cpu };
    const pidsLimit = oci.pids?.limit ?? -1;
    if (update.pidsLimit !== undefined && pidsLimit > 0) changes.pids = { limit: pidsLimit };
    else if (update.pidsLimit !== undefined && live.placement)
      await ctx.cgroups.setPidsUnlimited(live.placement);
    if (Object.keys(changes).length > 0) {
      if (!ctx.deps.runtime.update) {
        warnings.push(
          `the ${ctx.deps.runtime.name} runtime cannot update a running container: the limits apply from the next start`,
        );
      } else {
        await ctx.deps.runtime.update(record.id, changes);
      }
    }
  }
  spec.resources = resources;
  if (input.restartPolicy) spec.restartPolicy = input.restartPolicy;
  await ctx.store.save(record);
  ctx.publish('update', record);
  return { warnings };
}
