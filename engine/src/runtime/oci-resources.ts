import type { Resources, Ulimit } from '../containers/container-spec.js';
import { InvalidArgumentError } from '../errors.js';
import type { OciDeviceCgroup, OciResources, OciRlimit } from './oci-spec-types.js';

/** Docker refuses memory limits below 6 MiB: the runtime itself would not fit. */
export const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD = 100_000;

/**
 * moby's default device cgroup: deny all, allow the standard character devices (null, zero, full,
 * random, urandom, tty, console, ptmx, pts), deny fuse explicitly, allow mknod of anything.
 */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
  // Last: runc's cgroup v1 emulator cannot "punch a hole" (deny fuse) into an earlier wildcard.
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
];

function positive(value: number | undefined, what: string): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/** HostConfig limits → `linux.resources` (cgroup-version neutral; the runtime converts for v2). */
export function buildResources(
  resources: Resources,
  privileged: boolean,
  swapLimitSupported = true,
): OciResources {
  const out: OciResources = {
    devices: privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES.map((d) => ({ ...d })),
  };

  const memory = positive(resources.memory, 'Memory');
  if (memory !== undefined && memory < MIN_MEMORY) {
    throw new InvalidArgumentError(`Minimum memory limit allowed is 6MB, got ${memory} bytes`);
  }
  const swap = resources.memorySwap;
  if (swap !== undefined && swap !== 0 && swap !== -1 && memory === undefined) {
    throw new InvalidArgumentError('You should always set the Memory limit when using Memoryswap limit');
  }
  if (memory !== undefined) {
    out.memory = { limit: memory };
    if (swapLimitSupported) {
      // Docker: MemorySwap is memory+swap; unset means twice the memory, -1 unlimited.
      if (swap === undefined || swap === 0) out.memory.swap = memory * 2;
      else if (swap === -1) out.memory.swap = -1;
      else if (swap < memory) {
        throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit');
      } else out.memory.swap = swap;
    }
  }

  const cpu: NonNullable<OciResources['cpu']> = {};
  const nano = positive(resources.nanoCpus, 'NanoCpus');
  if (nano !== undefined) {
    if (resources.cpuQuota || resources.cpuPeriod) {
      throw new InvalidArgumentError(
        'Conflicting options: NanoCPUs and CPUPeriod/CPUQuota cannot both be set',
      );
    }
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.round((nano * CPU_PERIOD) / 1e9);
    if (cpu.quota < 1000)
      throw new InvalidArgumentError(`NanoCpus ${nano} is below the minimum of 0.01 CPUs`);
  }
  const quota = resources.cpuQuota;
  if (quota !== undefined && quota !== 0) cpu.quota = quota;
  const period = positive(resources.cpuPeriod, 'CpuPeriod');
  if (period !== undefined) cpu.period = period;
  const shares = positive(resources.cpuShares, 'CpuShares');
  if (shares !== undefined) cpu.shares = shares;
  if (resources.cpusetCpus) {
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(resources.cpusetCpus)) {
      throw new InvalidArgumentError(
        `invalid CpusetCpus ${JSON.stringify(resources.cpusetCpus)}: expected e.g. 0-2,4`,
      );
    }
    cpu.cpus = resources.cpusetCpus;
  }
  if (Object.keys(cpu).length > 0) out.cpu = cpu;

  const pids = resources.pidsLimit;
  if (pids !== undefined && pids !== 0) out.pids = { limit: pids < 0 ? -1 : pids };
  return out;
}

const ULIMITS = [
  'as',
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
];

export function buildRlimits(ulimits: readonly Ulimit[]): OciRlimit[] {
  const seen = new Set<string>();
  return ulimits.map((u) => {
    if (!ULIMITS.includes(u.name)) {
      throw new InvalidArgumentError(
        `invalid ulimit type ${JSON.stringify(u.name)}: use one of ${ULIMITS.join(', ')}`,
      );
    }
    if (seen.has(u.name)) throw new InvalidArgumentError(`ulimit ${u.name} given twice`);
    seen.add(u.name);
    // -1 means unlimited, which the runtime spec writes as the largest value (RLIM_INFINITY).
    const value = (n: number) => (n < 0 ? Number.MAX_SAFE_INTEGER : n);
    const soft = value(u.soft);
    const hard = value(u.hard);
    if (soft > hard)
      throw new InvalidArgumentError(`ulimit ${u.name}: soft limit ${u.soft} exceeds hard limit ${u.hard}`);
    return { type: `RLIMIT_${u.name.toUpperCase()}`, soft, hard };
  });
}

const IPC_SYSCTLS = [
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
];

/**
 * Only namespaced sysctls are allowed (moby's ValidateSysctl): IPC ones need the container's own
 * IPC namespace, `net.*` its own network namespace; anything else would change the host.
 */
export function checkSysctls(sysctls: Record<string, string>, hostIpc: boolean, hostNetwork: boolean): void {
  for (const key of Object.keys(sysctls)) {
    const ipc = IPC_SYSCTLS.includes(key) || key.startsWith('fs.mqueue.');
    const net = key.startsWith('net.');
    if (!ipc && !net)
      throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} is not allowed: it is not namespaced`);
    if (ipc && hostIpc)
      throw new InvalidArgumentError(
        `sysctl ${JSON.stringify(key)} is not allowed with the host IPC namespace`,
      );
    if (net && hostNetwork) {
      throw new InvalidArgumentError(
        `sysctl ${JSON.stringify(key)} is not allowed with the host network namespace`,
      );
    }
  }
}
