import type { ContainerSpec } from '../containers/container-spec.js';
import { InvalidArgumentError } from '../errors.js';
import { resolveCapabilities } from './capabilities.js';
import { INIT_BINARY_CANDIDATES, INIT_BINARY_PACKAGE } from './init-binary.js';
import { buildMounts, type EtcFiles } from './oci-mounts.js';
import { buildProcess, containerEnv, mergeEnv } from './oci-process.js';
import { buildResources, buildRlimits, checkSysctls } from './oci-resources.js';
import {
  OCI_VERSION,
  type OciDevice,
  type OciNamespace,
  type OciProcess,
  type OciSeccomp,
  type OciSpec,
} from './oci-spec-types.js';
import { compileSeccomp } from './seccomp-policy.js';
import { defaultSeccompProfile } from './seccomp-profile.js';
import { parseSecurityOptions, type SecurityOptions } from './security-options.js';
import type { ResolvedUser } from './user-resolver.js';

/** Docker's masked paths: kernel information and interfaces a container should not see. */
export const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Docker's read-only paths: host-wide kernel knobs reachable through /proc. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Where an init binary (tini, like docker-init) is bind-mounted when `Init` is set. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** Facts about the host the spec depends on, gathered once by the engine. */
export interface HostFacts {
  /** Node's `process.arch`. */
  arch: string;
  /** `os.release()`. */
  kernel: string;
  /** The host's hostname, used with `--network host` when none is given. */
  hostname: string;
  /** `/proc/sys/kernel/cap_last_cap`. */
  lastCap?: number;
  /** The engine's bounding set (`readBoundingCapabilities`): what privileged containers get. */
  boundingCapabilities?: string[];
  /** Whether the memory cgroup accounts swap (`memory.memsw.*` on v1). Default true. */
  swapLimit?: boolean;
  /** Host devices given to privileged containers (see `listHostDevices`). */
  devices?: OciDevice[];
}

/** Everything the spec needs that the ContainerSpec does not say: resolved by other parts of the engine. */
export interface OciSpecInputs {
  containerId: string;
  /** The rootfs mountpoint (the overlay's merged dir). */
  rootfsPath: string;
  /** `User` resolved through the image's passwd/group (see `resolveUser`). */
  user: ResolvedUser;
  /** A pre-made network namespace (bridge networks, `container:<id>`); required unless mode is host or none. */
  networkNamespacePath?: string;
  /** For `ipcMode: container:<id>`: that container's IPC namespace and /dev/shm. */
  ipcNamespace?: { path: string; shmPath: string };
  /** For `pidMode: container:<id>`. */
  pidNamespacePath?: string;
  etcFiles: EtcFiles;
  /** Host directories of the volumes named in `spec.mounts`. */
  volumePaths?: Record<string, string>;
  /** cgroupfs path, e.g. `/skiff/<engine>/<id>` (see `cgroupsPathFor`). */
  cgroupsPath: string;
  /** Host path of an init binary, required when `spec.init`. */
  initPath?: string;
  host: HostFacts;
  annotations?: Record<string, string>;
}

function availableCapabilities(
  host: Pick<HostFacts, 'lastCap' | 'boundingCapabilities'>,
): number | string[] | undefined {
  return host.boundingCapabilities ?? host.lastCap;
}

/** The cgroup of a container: under `/skiff/<engine>`, so one engine's leftovers are easy to find. */
export function cgroupsPathFor(engineName: string, containerId: string): string {
  return `/skiff/${engineName}/${containerId}`;
}

function namespaces(spec: ContainerSpec, inputs: OciSpecInputs): OciNamespace[] {
  const ns: OciNamespace[] = [{ type: 'mount' }, { type: 'uts' }, { type: 'cgroup' }];

  if (spec.pidMode === '' || spec.pidMode === 'private') ns.push({ type: 'pid' });
  else if (spec.pidMode.startsWith('container:')) {
    if (!inputs.pidNamespacePath)
      throw new InvalidArgumentError(`pid mode ${spec.pidMode} needs that container's pid namespace`);
    ns.push({ type: 'pid', path: inputs.pidNamespacePath });
  } else if (spec.pidMode !== 'host')
    throw new InvalidArgumentError(`invalid PidMode ${JSON.stringify(spec.pidMode)}`);

  const ipc = spec.ipcMode;
  if (ipc === '' || ipc === 'private' || ipc === 'shareable' || ipc === 'none') ns.push({ type: 'ipc' });
  else if (ipc.startsWith('container:')) {
    if (!inputs.ipcNamespace)
      throw new InvalidArgumentError(`ipc mode ${ipc} needs that container's ipc namespace`);
    ns.push({ type: 'ipc', path: inputs.ipcNamespace.path });
  } else if (ipc !== 'host') throw new InvalidArgumentError(`invalid IpcMode ${JSON.stringify(ipc)}`);

  if (inputs.networkNamespacePath) ns.push({ type: 'network', path: inputs.networkNamespacePath });
  else if (spec.networkMode === 'none') ns.push({ type: 'network' });
  else if (spec.networkMode !== 'host') {
    throw new InvalidArgumentError(
      `network mode ${JSON.stringify(spec.networkMode)} needs a network namespace prepared by the network manager`,
    );
  }
  return ns;
}

function seccompFor(
  security: SecurityOptions,
  privileged: boolean,
  caps: string[],
  host: HostFacts,
): OciSeccomp | undefined {
  if (privileged || security.seccomp.kind === 'unconfined') return undefined;
  const target = { capabilities: caps, arch: host.arch, kernel: host.kernel };
  if (security.seccomp.kind === 'custom') return compileSeccomp(security.seccomp.policy, target);
  return defaultSeccompProfile(target);
}

/**
 * The OCI `config.json` for a container, with Docker's security defaults: the 14 default
 * capabilities (± CapAdd/CapDrop), seccomp, masked and read-only /proc and /sys paths, the
 * default device cgroup, no-new-privileges (stricter than Docker, which leaves it off), private
 * namespaces. `privileged` lifts all of it and adds the host's devices.
 */
export function buildOciSpec(spec: ContainerSpec, inputs: OciSpecInputs): OciSpec {
  const { host } = inputs;
  const security = parseSecurityOptions(spec.securityOpt);
  const privileged = spec.privileged;
  const caps = resolveCapabilities(spec.capAdd, spec.capDrop, privileged, availableCapabilities(host));
  const hostNetwork = spec.networkMode === 'host' && !inputs.networkNamespacePath;
  const hostname = spec.hostname || (hostNetwork ? host.hostname : inputs.containerId.slice(0, 12));
  checkSysctls(spec.sysctls, spec.ipcMode === 'host', hostNetwork);

  let args = [...spec.entrypoint, ...spec.cmd];
  const { mounts, rootfsPropagation } = buildMounts({
    userMounts: spec.mounts,
    volumePaths: inputs.volumePaths ?? {},
    etcFiles: inputs.etcFiles,
    shmSize: spec.shmSize,
    ipc:
      spec.ipcMode === 'host' || spec.ipcMode === 'none'
        ? spec.ipcMode
        : inputs.ipcNamespace && spec.ipcMode.startsWith('container:')
          ? { shmPath: inputs.ipcNamespace.shmPath }
          : 'private',
    privileged,
    readonlyRootfs: spec.readonlyRootfs,
  });
  if (spec.init) {
    if (!inputs.initPath)
      throw new InvalidArgumentError(
        `Init was requested but the engine found no init binary (${INIT_BINARY_CANDIDATES[0]}): install Debian's ${INIT_BINARY_PACKAGE} package on the engine's host (skiff doctor checks it)`,
      );
    mounts.push({
      destination: INIT_PATH_IN_CONTAINER,
      type: 'bind',
      source: inputs.initPath,
      options: ['bind', 'ro'],
    });
    args = [INIT_PATH_IN_CONTAINER, '--', ...args];
  }

  const process = buildProcess({
    args,
    env: containerEnv(spec.env, hostname, spec.tty, inputs.user.home),
    cwd: spec.workingDir,
    user: inputs.user,
    tty: spec.tty,
    consoleSize: spec.consoleSize,
    capabilities: caps,
    noNewPrivileges: security.noNewPrivileges ?? !privileged,
    rlimits: buildRlimits(spec.ulimits),
  });

  const unmasked = privileged || security.unmaskSystemPaths;
  const seccomp = seccompFor(security, privileged, caps, host);
  const oci: OciSpec = {
    ociVersion: OCI_VERSION,
    process,
    root: { path: inputs.rootfsPath, readonly: spec.readonlyRootfs },
    hostname,
    mounts,
    linux: {
      namespaces: namespaces(spec, inputs),
      cgroupsPath: inputs.cgroupsPath,
      resources: buildResources(spec.resources, privileged, host.swapLimit ?? true),
      ...(Object.keys(spec.sysctls).length > 0 ? { sysctl: { ...spec.sysctls } } : {}),
      ...(seccomp ? { seccomp } : {}),
      ...(unmasked ? {} : { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS] }),
      ...(privileged && host.devices ? { devices: host.devices } : {}),
      ...(rootfsPropagation ? { rootfsPropagation } : {}),
    },
  };
  if (spec.domainname) oci.domainname = spec.domainname;
  if (inputs.annotations) {
    // crun reads run.oci.* annotations as instructions (e.g. a raw seccomp filter replacing the
    // profile): only the runtime driver itself may add them.
    const reserved = Object.keys(inputs.annotations).filter((k) => k.startsWith('run.oci.'));
    if (reserved.length > 0)
      throw new InvalidArgumentError(`annotation ${reserved.join(', ')} is reserved for the runtime`);
    oci.annotations = { ...inputs.annotations };
  }
  return oci;
}

/** What `docker exec` may set; the rest comes from the container. */
export interface ExecOptions {
  cmd: readonly string[];
  env?: readonly string[];
  workingDir?: string;
  /** Already resolved against the container's rootfs when the exec names a user; else the container's. */
  user: ResolvedUser;
  tty: boolean;
  consoleSize?: { rows: number; cols: number } | undefined;
  privileged?: boolean;
}

/**
 * The `process.json` for an exec: the container's environment with the exec's Env on top (moby's
 * exec), the container's capabilities and no-new-privileges unless the exec is privileged.
 */
export function buildExecProcess(
  container: OciSpec,
  exec: ExecOptions,
  host?: number | Pick<HostFacts, 'lastCap' | 'boundingCapabilities'>,
): OciProcess {
  const base = container.process;
  const privileged = exec.privileged === true;
  const env = mergeEnv(base.env, exec.tty ? ['TERM=xterm'] : [], exec.env ?? []);
  return buildProcess({
    args: exec.cmd,
    env,
    cwd: exec.workingDir || base.cwd,
    user: exec.user,
    tty: exec.tty,
    consoleSize: exec.consoleSize,
    capabilities: privileged
      ? resolveCapabilities([], [], true, typeof host === 'object' ? availableCapabilities(host) : host)
      : base.capabilities.bounding,
    noNewPrivileges: privileged ? false : base.noNewPrivileges,
    rlimits: base.rlimits,
  });
}
