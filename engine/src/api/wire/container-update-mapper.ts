import type { Resources } from '../../containers/container-spec.js';
import type { ContainerUpdateInput } from '../../containers/container-update.js';
import { InvalidArgumentError } from '../../errors.js';
import { parseRestartPolicy } from './container-create-mapper.js';
import { isObject, optInt, optNumber, optObject, optString } from './wire-value.js';

/** UpdateConfig fields Skiff accepts but cannot apply; a value other than the default gets a warning. */
const IGNORED_NUMBERS = [
  'BlkioWeight',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'MemoryReservation',
  'KernelMemory',
  'KernelMemoryTCP',
] as const;
const IGNORED_STRINGS = ['CpusetMems'] as const;

/**
 * `POST /containers/{id}/update` body (moby `container.UpdateConfig`) → the domain input. The
 * docker CLI sends every field, zero meaning "unchanged" (moby's rule), except `PidsLimit`,
 * which is absent unless set: then 0 and -1 both mean unlimited. `MemorySwap` -1 is unlimited.
 */
export function toContainerUpdateInput(body: unknown): { input: ContainerUpdateInput; warnings: string[] } {
  if (!isObject(body)) throw new InvalidArgumentError('update needs a JSON object body (UpdateConfig)');
  const warnings: string[] = [];
  const resources: Resources = {};
  const nonNegative = (key: string): number | undefined => {
    const v = optInt(body, key);
    if (v === undefined || v === 0) return undefined;
    if (v < 0 && !(key === 'MemorySwap' && v === -1)) {
      throw new InvalidArgumentError(`invalid ${key}: must not be negative`);
    }
    return v;
  };
  const set = <K extends keyof Resources>(key: K, value: Resources[K] | undefined) => {
    if (value !== undefined) resources[key] = value;
  };
  set('memory', nonNegative('Memory'));
  set('memorySwap', nonNegative('MemorySwap'));
  set('nanoCpus', nonNegative('NanoCpus'));
  set('cpuShares', nonNegative('CpuShares'));
  set('cpuQuota', nonNegative('CpuQuota'));
  set('cpuPeriod', nonNegative('CpuPeriod'));
  const cpuset = optString(body, 'CpusetCpus');
  if (cpuset) resources.cpusetCpus = cpuset;
  const pids = optInt(body, 'PidsLimit');
  if (pids !== undefined) resources.pidsLimit = Math.max(pids, 0);
  if (
    resources.nanoCpus !== undefined &&
    (resources.cpuQuota !== undefined || resources.cpuPeriod !== undefined)
  ) {
    throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set');
  }
  for (const key of IGNORED_NUMBERS) {
    const v = optNumber(body, key);
    if (v !== undefined && v !== 0) warnings.push(`${key} is not supported by Skiff and was ignored`);
  }
  for (const key of IGNORED_STRINGS) {
    if (optString(body, key)) warnings.push(`${key} is not supported by Skiff and was ignored`);
  }
  const input: ContainerUpdateInput = {};
  if (Object.keys(resources).length > 0) input.resources = resources;
  const rp = optObject(body, 'RestartPolicy');
  // The CLI sends `"RestartPolicy":{}` when --restart is not given: no change.
  if (rp && optString(rp, 'Name') !== undefined && optString(rp, 'Name') !== '') {
    const policy = parseRestartPolicy(body);
    if (policy) input.restartPolicy = policy;
  }
  return { input, warnings };
}
