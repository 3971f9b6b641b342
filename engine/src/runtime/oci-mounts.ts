import path from 'node:path';
import type { MountSpec } from '../containers/container-spec.js';
import { InvalidArgumentError } from '../errors.js';
import type { OciMount } from './oci-spec-types.js';

/** Docker's `/dev/shm` when ShmSize is 0: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Host files the engine wrote for this container and bind-mounts over the image's. */
export interface EtcFiles {
  hosts?: string;
  hostname?: string;
  resolvConf?: string;
}

export interface MountInputs {
  userMounts: readonly MountSpec[];
  /** Host directory of each named or anonymous volume in `userMounts`, resolved by the volume manager. */
  volumePaths: Readonly<Record<string, string>>;
  etcFiles: EtcFiles;
  shmSize: number;
  /** `host`: bind the host's /dev/shm; `none`: no /dev/shm; `{ shmPath }`: another container's. */
  ipc: 'private' | 'host' | 'none' | { shmPath: string };
  privileged: boolean;
  readonlyRootfs: boolean;
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

function defaultMounts(inputs: MountInputs): OciMount[] {
  const sysRo = inputs.privileged ? [] : ['ro'];
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...sysRo] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: [...sysRo, 'nosuid', 'noexec', 'nodev', 'relatime'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  ];
  const { ipc } = inputs;
  if (ipc === 'private') {
    const size = inputs.shmSize > 0 ? inputs.shmSize : DEFAULT_SHM_SIZE;
    mounts.push({
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${size}`],
    });
  } else if (ipc === 'host') {
    mounts.push({
      destination: '/dev/shm',
      type: 'bind',
      source: '/dev/shm',
      options: ['rbind', 'rprivate'],
    });
  } else if (ipc !== 'none') {
    mounts.push({
      destination: '/dev/shm',
      type: 'bind',
      source: ipc.shmPath,
      options: ['rbind', 'rprivate'],
    });
  }
  return mounts;
}

function cleanDestination(target: string): string {
  if (!path.posix.isAbsolute(target)) {
    throw new InvalidArgumentError(`mount destination ${JSON.stringify(target)} is not an absolute path`);
  }
  const clean = path.posix.normalize(target).replace(/\/+$/, '');
  if (clean === '' || clean === '/') throw new InvalidArgumentError('a mount destination cannot be "/"');
  return clean;
}

/** Docker's tmpfs defaults are `noexec,nosuid,nodev`; the user's `exec`, `suid` and `dev` lift them. */
function tmpfsOptions(user: readonly string[]): string[] {
  const lifts: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };
  const lifted = new Set(user.map((o) => lifts[o]).filter((o): o is string => o !== undefined));
  return [
    ...['nosuid', 'nodev', 'noexec'].filter((o) => !lifted.has(o)),
    ...user.filter((o) => !(o in lifts)),
  ];
}

function userMount(spec: MountSpec, inputs: MountInputs): OciMount {
  const destination = cleanDestination(spec.target);
  if (spec.type === 'tmpfs') {
    return { destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(spec.options) };
  }
  let source: string;
  let propagation = 'rprivate';
  if (spec.type === 'bind') {
    if (!path.isAbsolute(spec.source)) {
      throw new InvalidArgumentError(
        `bind mount source ${JSON.stringify(spec.source)} is not an absolute path`,
      );
    }
    source = spec.source;
    if (spec.propagation) {
      if (!PROPAGATIONS.includes(spec.propagation)) {
        throw new InvalidArgumentError(
          `invalid propagation ${JSON.stringify(spec.propagation)} for ${destination}: use one of ${PROPAGATIONS.join(', ')}`,
        );
      }
      propagation = spec.propagation;
    }
  } else {
    const resolved = inputs.volumePaths[spec.name];
    if (!resolved)
      throw new InvalidArgumentError(`volume ${JSON.stringify(spec.name)} has no host directory`);
    source = resolved;
  }
  return { destination, type: 'bind', source, options: ['rbind', spec.readOnly ? 'ro' : 'rw', propagation] };
}

const depth = (m: OciMount) => m.destination.split('/').length;
const covers = (outer: string, inner: string) => inner === outer || inner.startsWith(`${outer}/`);

/**
 * The container's mounts: Docker's standard /proc, /dev, /sys, … first, then the engine's
 * /etc/hosts, /etc/hostname and /etc/resolv.conf binds, then the user's mounts, parents before
 * children. A user mount replaces any default or engine mount at or below its destination.
 */
export function buildMounts(inputs: MountInputs): { mounts: OciMount[]; rootfsPropagation?: string } {
  const user = inputs.userMounts.map((m) => userMount(m, inputs));
  const seen = new Set<string>();
  for (const m of user) {
    if (seen.has(m.destination)) throw new InvalidArgumentError(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  const notCovered = (m: OciMount) => !user.some((u) => covers(u.destination, m.destination));

  const etcOptions = ['rbind', 'rprivate', inputs.readonlyRootfs ? 'ro' : 'rw'];
  const etc: OciMount[] = [];
  const { hosts, hostname, resolvConf } = inputs.etcFiles;
  if (resolvConf)
    etc.push({ destination: '/etc/resolv.conf', type: 'bind', source: resolvConf, options: etcOptions });
  if (hostname)
    etc.push({ destination: '/etc/hostname', type: 'bind', source: hostname, options: etcOptions });
  if (hosts) etc.push({ destination: '/etc/hosts', type: 'bind', source: hosts, options: etcOptions });

  const sortedUser = user
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i)
    .map(({ m }) => m);
  const mounts = [...defaultMounts(inputs).filter(notCovered), ...etc.filter(notCovered), ...sortedUser];

  const propagations = user.flatMap((m) => m.options ?? []);
  if (propagations.some((o) => o === 'shared' || o === 'rshared'))
    return { mounts, rootfsPropagation: 'rshared' };
  if (propagations.some((o) => o === 'slave' || o === 'rslave'))
    return { mounts, rootfsPropagation: 'rslave' };
  return { mounts };
}
