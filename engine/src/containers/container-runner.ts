import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NetworkMode, SandboxRequest } from '@skiff/net';
import { TESTCONTAINERS_HOST_ALIAS } from '../constants.js';
import {
  ConflictError,
  errorMessage,
  InvalidArgumentError,
  NotModifiedError,
  RuntimeError,
} from '../errors.js';
import { buildOciSpec } from '../runtime/oci-spec.js';
import type { OciSpec } from '../runtime/oci-spec-types.js';
import { resolveUser } from '../runtime/user-resolver.js';
import type { ContainerContext, LiveContainer } from './container-context.js';
import { volumePathsOf } from './container-creator.js';
import type { ContainerRecord } from './container-record.js';
import { removeContainer } from './container-remover.js';
import { isRunningStatus } from './container-service.js';
import { activeHealthcheck } from './create-merge.js';
import { parseLogConfig } from './log-options.js';
import { type RunResult, Supervisor } from './supervisor.js';

/** Docker's default stop timeout when neither the request nor the container sets one. */
export const DEFAULT_STOP_TIMEOUT_S = 10;

function sandboxMode(record: ContainerRecord): NetworkMode {
  const { spec } = record;
  const endpoints = spec.endpoints.map((e) => ({
    network: e.network,
    aliases: e.aliases,
    ...(e.ipv4Address ? { ipv4Address: e.ipv4Address } : {}),
  }));
  if (!endpoints.some((e) => e.network === spec.networkMode)) {
    endpoints.unshift({ network: spec.networkMode, aliases: [] });
  }
  return { kind: 'bridge', endpoints };
}

/** The user's `--add-host` entries, plus testcontainers' host alias unless they name it themselves. */
function sandboxExtraHosts(record: ContainerRecord): string[] {
  const { extraHosts } = record.spec;
  const named = extraHosts.some(
    (h) => h.slice(0, Math.max(0, h.indexOf(':'))).toLowerCase() === TESTCONTAINERS_HOST_ALIAS,
  );
  return named ? extraHosts : [...extraHosts, `${TESTCONTAINERS_HOST_ALIAS}:host-gateway`];
}

function sandboxPorts(record: ContainerRecord): SandboxRequest['ports'] {
  const { spec } = record;
  const ports = spec.portBindings.map((p) => ({ ...p }));
  if (spec.publishAllPorts) {
    for (const e of spec.exposedPorts) {
      if (!ports.some((p) => p.containerPort === e.containerPort && p.protocol === e.protocol)) {
        ports.push({ containerPort: e.containerPort, protocol: e.protocol, hostIp: '', hostPort: 0 });
      }
    }
  }
  return ports;
}

/** Network namespace (and, for bridge networks, the /etc files) of this run. */
async function prepareNetwork(
  ctx: ContainerContext,
  record: ContainerRecord,
  live: LiveContainer,
): Promise<string | undefined> {
  const mode = record.spec.networkMode;
  if (mode === 'none' || mode === 'host') return undefined;
  if (mode.startsWith('container:')) {
    const other = ctx.store.resolve(mode.slice('container:'.length));
    const pid = ctx.live.get(other.id)?.supervisor?.initPid ?? 0;
    if (!isRunningStatus(other.state.status) || pid === 0) {
      throw new ConflictError(`cannot join network of a non running container: ${other.spec.name}`);
    }
    record.hostsPath = other.hostsPath;
    record.hostnamePath = other.hostnamePath;
    record.resolvConfPath = other.resolvConfPath;
    return `/proc/${pid}/ns/net`;
  }
  const network = ctx.deps.network;
  if (!network) {
    throw new InvalidArgumentError(
      `network mode ${JSON.stringify(mode)} needs the network manager, which this engine runs without`,
    );
  }
  const sandbox = await network.createSandbox({
    containerId: record.id,
    containerName: record.spec.name,
    hostname: record.spec.hostname,
    domainname: record.spec.domainname,
    mode: sandboxMode(record),
    ports: sandboxPorts(record),
    extraHosts: sandboxExtraHosts(record),
    dns: record.spec.dns,
    dnsSearch: record.spec.dnsSearch,
    dnsOptions: record.spec.dnsOptions,
  });
  live.hasSandbox = true;
  const dir = ctx.scratchDir(record.id);
  record.hostsPath = path.join(dir, 'hosts');
  record.hostnamePath = path.join(dir, 'hostname');
  record.resolvConfPath = path.join(dir, 'resolv.conf');
  await Promise.all([
    writeFile(record.hostsPath, sandbox.hosts, { mode: 0o644 }),
    writeFile(record.hostnamePath, `${sandbox.hostname}\n`, { mode: 0o644 }),
    writeFile(record.resolvConfPath, sandbox.resolvConf, { mode: 0o644 }),
  ]);
  record.endpoints = sandbox.endpoints;
  record.ports = sandbox.ports;
  return sandbox.netnsPath;
}

function otherPid(ctx: ContainerContext, mode: string): number {
  const other = ctx.store.resolve(mode.slice('container:'.length));
  const pid = ctx.live.get(other.id)?.supervisor?.initPid ?? 0;
  if (pid === 0)
    throw new ConflictError(`cannot join namespaces of a non running container: ${other.spec.name}`);
  return pid;
}

/** What a run needs besides its network: prepared while the network sandbox is being built. */
interface RunParts {
  rootfsPath: string;
  user: Awaited<ReturnType<typeof resolveUser>>;
  placement: NonNullable<LiveContainer['placement']>;
  host: Awaited<ReturnType<ContainerContext['hostFacts']['get']>>;
}

async function prepareRunParts(
  ctx: ContainerContext,
  record: ContainerRecord,
  live: LiveContainer,
): Promise<RunParts> {
  const { spec } = record;
  const rootfs =
    live.rootfsMounted && live.rootfsPath
      ? { mountpoint: live.rootfsPath }
      : await ctx.deps.rootfs.mount(record.id);
  live.rootfsMounted = true;
  live.rootfsPath = rootfs.mountpoint;
  const [user, placement, host] = await Promise.all([
    resolveUser(rootfs.mountpoint, spec.user, spec.groupAdd),
    ctx.cgroups.prepare(record.id, spec.resources),
    ctx.hostFacts.get(spec.privileged),
    mkdir(ctx.bundleDir(record.id), { recursive: true }),
  ]);
  live.placement = placement;
  return { rootfsPath: rootfs.mountpoint, user, placement, host };
}

function buildSpec(
  ctx: ContainerContext,
  record: ContainerRecord,
  parts: RunParts,
  netns: string | undefined,
) {
  const { spec } = record;
  const { placement } = parts;
  const etcFiles = {
    ...(record.hostsPath ? { hosts: record.hostsPath } : {}),
    ...(record.hostnamePath ? { hostname: record.hostnamePath } : {}),
    ...(record.resolvConfPath ? { resolvConf: record.resolvConfPath } : {}),
  };
  const oci: OciSpec = buildOciSpec(spec, {
    containerId: record.id,
    rootfsPath: parts.rootfsPath,
    user: parts.user,
    ...(netns ? { networkNamespacePath: netns } : {}),
    ...(spec.ipcMode.startsWith('container:')
      ? (() => {
          const pid = otherPid(ctx, spec.ipcMode);
          return { ipcNamespace: { path: `/proc/${pid}/ns/ipc`, shmPath: `/proc/${pid}/root/dev/shm` } };
        })()
      : {}),
    ...(spec.pidMode.startsWith('container:')
      ? { pidNamespacePath: `/proc/${otherPid(ctx, spec.pidMode)}/ns/pid` }
      : {}),
    etcFiles,
    volumePaths: volumePathsOf(record),
    cgroupsPath: placement.cgroupsPath,
    ...(ctx.deps.initPath ? { initPath: ctx.deps.initPath } : {}),
    host: parts.host,
  });
  if (placement.memoryOnParent && oci.linux.resources?.memory) {
    // The limit is enforced on the engine's parent cgroup (see ContainerCgroups).
    delete oci.linux.resources.memory.limit;
    delete oci.linux.resources.memory.swap;
  }
  return oci;
}

/**
 * Starts a run: network, OCI bundle, cgroup placement, then `crun run` under a Supervisor. The
 * record flips to `running` before the runtime is spawned and is persisted without waiting (a
 * crash is reconciled from the runtime's own state, not from this write).
 */
export async function startRun(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  const live = ctx.liveOf(record);
  const log = ctx.logger.child({ containerId: record.id });
  let netns: string | undefined;
  try {
    // The sandbox (namespace, veths, addresses: kernel work in `ip` processes) is built while the
    // rest of the run is prepared; a failure of either is the start's failure.
    const [network, parts] = await Promise.allSettled([
      prepareNetwork(ctx, record, live),
      prepareRunParts(ctx, record, live),
    ]);
    if (network.status === 'rejected') throw network.reason;
    if (parts.status === 'rejected') throw parts.reason;
    netns = network.value;
    const built = buildSpec(ctx, record, parts.value, netns);
    // The runtime's own finishing touches (crun: the precompiled seccomp filter).
    const oci = ctx.deps.runtime.prepareSpec ? await ctx.deps.runtime.prepareSpec(built) : built;
    await writeFile(path.join(ctx.bundleDir(record.id), 'config.json'), JSON.stringify(oci));
    live.oci = oci;
  } catch (err: unknown) {
    await releaseNetwork(ctx, record, live);
    throw err;
  }
  live.log =
    record.spec.logDriver === 'none'
      ? undefined
      : ctx.logs.openWriter(
          record.id,
          record.logPath,
          parseLogConfig(record.spec.logDriver, record.spec.logOptions ?? {}),
        );
  live.runStartedMs = Date.now();
  let supervisor: Supervisor;
  try {
    supervisor = new Supervisor({
      id: record.id,
      bundle: ctx.bundleDir(record.id),
      tty: record.spec.tty,
      openStdin: record.spec.openStdin,
      ...(record.spec.consoleSize ? { consoleSize: record.spec.consoleSize } : {}),
      stdio: live.stdio,
      log: live.log,
      cgroups: ctx.cgroups,
      placement: live.placement!,
      runtime: ctx.deps.runtime,
      ...(ctx.deps.processes ? { processes: ctx.deps.processes } : {}),
      logger: log,
      now: ctx.now,
    });
  } catch (err: unknown) {
    // The runtime refused synchronously (a bad id, a name it still knows): nothing ran.
    if (live.log) await ctx.logs.closeWriter(record.id, live.log);
    live.log = undefined;
    await releaseNetwork(ctx, record, live);
    throw err;
  }
  live.supervisor = supervisor;
  Object.assign(record.state, {
    status: 'running',
    pid: 0,
    exitCode: 0,
    error: '',
    oomKilled: false,
    startedAt: ctx.timestamp(),
  });
  const hc = activeHealthcheck(record.spec);
  record.state.health = hc ? ctx.health.start(record.id, hc, record.state.health) : undefined;
  live.exitHandled = supervisor.exited.then((result) => handleExit(ctx, record, live, supervisor, result));
  ctx.publish('start', record);
  // Like `runc start`, start returns once the container's program runs (or the run ended).
  await supervisor.ready();
  if (!supervisor.running) {
    // Gone before start returned: if the runtime could not start the process at all, the start
    // fails as Docker's does (moby translateContainerdStartErr: 400 for a missing or
    // non-executable binary), with the record saying why.
    await live.exitHandled;
    const failure = supervisor.startFailure;
    if (failure) throw startError(record, failure);
  }
  record.state.pid = supervisor.running ? supervisor.initPid : 0;
  ctx.track('saving the container record', ctx.store.save(record), { containerId: record.id });
}

async function releaseNetwork(
  ctx: ContainerContext,
  record: ContainerRecord,
  live: LiveContainer,
): Promise<void> {
  if (!live.hasSandbox) return;
  live.hasSandbox = false;
  await ctx.deps.network
    ?.releaseSandbox(record.id)
    .catch((err: unknown) =>
      ctx.logger.warn(
        { containerId: record.id, err: errorMessage(err) },
        'cannot release the network sandbox',
      ),
    );
  record.ports = [];
  record.endpoints = [];
}

/**
 * After a run: state, log and attach streams closed (exit code recorded first), sandbox and
 * parent cgroup released, `die` published, waiters told; then the restart policy or auto-remove.
 */
async function handleExit(
  ctx: ContainerContext,
  record: ContainerRecord,
  live: LiveContainer,
  supervisor: Supervisor,
  result: RunResult,
): Promise<void> {
  ctx.health.stop(record.id);
  if (live.log) await ctx.logs.closeWriter(record.id, live.log);
  live.log = undefined;
  if (live.supervisor === supervisor) live.supervisor = undefined;
  const ranForMs = Date.now() - live.runStartedMs;
  Object.assign(record.state, {
    status: 'exited',
    pid: 0,
    exitCode: result.exitCode,
    oomKilled: result.oomKilled,
    error: result.error,
    finishedAt: ctx.timestamp(),
  });
  if (record.state.health) record.state.health = { ...record.state.health, status: 'unhealthy' };
  live.stdio.endRun();
  await releaseNetwork(ctx, record, live);
  if (live.placement?.memoryOnParent) {
    ctx.track('removing the container cgroup', ctx.cgroups.remove(record.id), { containerId: record.id });
  }
  if (result.oomKilled) ctx.publish('oom', record);
  ctx.publish('die', record, { exitCode: String(result.exitCode) });
  // A process that never ran is not restarted by policy (moby), and the container stays `created`.
  if (result.error) record.state.status = 'created';
  const decision =
    live.removing || result.error
      ? { restart: false, delayMs: 0 }
      : live.backoff.decide(record.spec.restartPolicy, {
          exitCode: result.exitCode,
          restartCount: record.state.restartCount,
          manuallyStopped: live.manuallyStopped,
          ranForMs,
        });
  if (decision.restart) record.state.status = 'restarting';
  ctx.notifyExit(record.id, result);
  if (decision.restart) {
    live.restartTimer = setTimeout(() => {
      live.restartTimer = undefined;
      void ctx.locks.run(record.id, async () => {
        if (record.state.status !== 'restarting' || live.removing) return;
        record.state.restartCount++;
        try {
          await startRun(ctx, record);
        } catch (err: unknown) {
          record.state.status = 'exited';
          record.state.error = errorMessage(err);
          ctx.logger.warn({ containerId: record.id, err }, 'restart by policy failed');
          ctx.track('saving the container record', ctx.store.save(record));
        }
      });
    }, decision.delayMs);
    ctx.track('saving the container record', ctx.store.save(record), { containerId: record.id });
    return;
  }
  if (record.spec.autoRemove && !live.removing) {
    // Part of handling the exit: a stop of an auto-remove container returns once it is gone, so
    // the client's DELETE that often follows gets Docker's 404 rather than a removal conflict.
    await removeContainer(ctx, record, { force: true, removeVolumes: true }).catch((err: unknown) =>
      ctx.logger.warn({ containerId: record.id, err }, 'auto-remove failed'),
    );
    return;
  }
  if (!live.removing)
    ctx.track('saving the container record', ctx.store.save(record), { containerId: record.id });
}

/**
 * The error a failed start answers with. The docker CLI picks its own exit code by searching the
 * message for runc's wording (`executable file not found` → 127, `permission denied` → 126,
 * cli/command/container/run.go), so that wording leads, with the runtime's own words after it.
 */
function startError(record: ContainerRecord, failure: { exitCode: number; error: string }): Error {
  const program = JSON.stringify(record.path);
  const prefix = `failed to start container ${record.id}: exec: ${program}`;
  if (failure.exitCode === 127) {
    return new InvalidArgumentError(`${prefix}: executable file not found in $PATH (${failure.error})`);
  }
  if (failure.exitCode === 126) {
    return new InvalidArgumentError(`${prefix}: permission denied (${failure.error})`);
  }
  return new RuntimeError(`failed to start container ${record.id}: ${failure.error}`);
}

/** `docker stop`: stop signal, SIGKILL after the timeout, resolves once the exit is handled. */
export async function stopRun(
  ctx: ContainerContext,
  record: ContainerRecord,
  options: { timeoutSeconds?: number; signal?: string },
): Promise<void> {
  const live = ctx.liveOf(record);
  if (record.state.status === 'restarting' && live.restartTimer) {
    clearTimeout(live.restartTimer);
    live.restartTimer = undefined;
    live.manuallyStopped = true;
    record.state.status = 'exited';
    ctx.publish('stop', record);
    await ctx.store.save(record);
    return;
  }
  const supervisor = live.supervisor;
  if (!supervisor || !isRunningStatus(record.state.status)) {
    throw new NotModifiedError(`Container ${record.id} is not running`);
  }
  live.manuallyStopped = true;
  const timeoutS = options.timeoutSeconds ?? record.spec.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
  const paused = record.state.status === 'paused';
  await supervisor.stop(
    options.signal || record.spec.stopSignal,
    timeoutS < 0 ? -1 : timeoutS * 1000,
    async () => {
      // A frozen process cannot act on the signal (or die): thaw it once signalled, as moby does.
      if (paused) await ctx.deps.runtime.resume(record.id).catch(() => undefined);
    },
  );
  await live.exitHandled;
  ctx.publish('stop', record);
}
