import path from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, InvalidArgumentError, NotFoundError, NotModifiedError } from '../errors.js';
import { findInitBinary, INIT_BINARY_PACKAGE } from '../runtime/init-binary.js';
import { LocalVolumeStore } from '../volumes/local-volume-store.js';
import type { VolumeStore } from '../volumes/volume-store.js';
import { archiveContainerPath, statContainerPath } from './archive.js';
import { putContainerArchive, rootViewOf } from './container-archive-view.js';
import { attachToContainer } from './container-attach.js';
import { ContainerCgroups } from './container-cgroups.js';
import { changesOfContainer, directorySize, type FilesystemChange } from './container-changes.js';
import { commitContainer } from './container-commit.js';
import { ContainerContext, type ContainerServiceDeps } from './container-context.js';
import { createContainer } from './container-creator.js';
import { execTargetOf, runHealthProbe } from './container-exec.js';
import { exportContainer } from './container-export.js';
import { filterContainers } from './container-filters.js';
import { statsOfContainer, topOfContainer } from './container-metrics.js';
import { connectContainerNetwork, disconnectContainerNetwork } from './container-network-ops.js';
import { pauseContainer, unpauseContainer } from './container-pause.js';
import { pruneContainers } from './container-prune.js';
import type { ContainerRecord } from './container-record.js';
import { removeContainer } from './container-remover.js';
import { startRun, stopRun } from './container-runner.js';
import {
  type CommitInput,
  type ContainerCreateInput,
  type ContainerService,
  type ContainerStats,
  type ExecCreateInput,
  type ExecRecord,
  isRunningStatus,
  type ListOptions,
  type LogsOptions,
  type OutputChunk,
  type PathStat,
  type StdioSession,
  type WaitCondition,
  type WaitResult,
} from './container-service.js';
import type { EndpointSpec } from './container-spec.js';
import { ContainerStore } from './container-store.js';
import { type ContainerUpdateInput, updateContainer } from './container-update.js';
import { waitForContainer } from './container-wait.js';
import { normaliseContainerName } from './create-merge.js';
import { ExecManager } from './exec-manager.js';
import { HealthMonitor } from './health-monitor.js';
import { HostFactsCache } from './host-facts.js';
import { type LogReadOptions, LogStore } from './log-store.js';
import { recoverContainers } from './recovery.js';
import { signalNumber } from './supervisor.js';

/** How long `kill` with SIGKILL waits for the exit before answering (moby waits too). */
const KILL_WAIT_MS = 10_000;

/**
 * The engine's container service: Docker's container verbs over the image store, snapshots,
 * the OCI runtime and (optionally) the network manager. State lives in memory and in
 * `<stateDir>/containers`; runtime leftovers of a crashed engine are cleaned by `recover`.
 */
export class LocalContainerService implements ContainerService {
  readonly volumes: VolumeStore;
  private readonly ctx: ContainerContext;

  constructor(deps: ContainerServiceDeps) {
    const logger = deps.logger.child({ component: 'containers' });
    const store = new ContainerStore(path.join(deps.config.stateDir, 'containers'), logger);
    const volumes =
      deps.volumes ?? new LocalVolumeStore({ dir: path.join(deps.config.root, 'volumes'), logger });
    if (volumes instanceof LocalVolumeStore) {
      volumes.usedBy = (name) =>
        store
          .all()
          .filter((r) => r.mounts.some((m) => m.type === 'volume' && m.name === name))
          .map((r) => r.id);
    }
    this.volumes = volumes;
    const now = deps.now;
    const execs = new ExecManager(deps.runtime, logger, now ?? (() => BigInt(Date.now()) * 1_000_000n));
    const health = new HealthMonitor({
      runProbe: (id, cmd, timeoutMs) => runHealthProbe(this.ctx, id, cmd, timeoutMs),
      onUpdate: (id, state, changed) => this.onHealth(id, state, changed),
      logger,
    });
    this.ctx = new ContainerContext(
      { ...deps, logger },
      store,
      new LogStore(logger),
      deps.cgroups ?? new ContainerCgroups(`/skiff/${deps.config.engineName}`),
      execs,
      health,
      volumes,
      deps.hostFacts ?? new HostFactsCache(),
    );
  }

  /** Loads the records and cleans up after a crashed predecessor; call once before serving. */
  async init(): Promise<void> {
    const restart = await recoverContainers(this.ctx);
    for (const id of restart) {
      await this.start(id).catch((err: unknown) =>
        this.ctx.logger.warn(
          { containerId: id, err },
          'cannot restart a container after the engine restarted',
        ),
      );
    }
  }

  /** Kills what still runs, finishes background cleanup. The next `init` finds nothing to recover. */
  async close(): Promise<void> {
    this.ctx.health.stopAll();
    const running = this.ctx.store.all().filter((r) => isRunningStatus(r.state.status));
    await Promise.allSettled(
      running.map((r) =>
        this.ctx.locks.run(r.id, () => stopRun(this.ctx, r, { timeoutSeconds: 0 }).catch(() => undefined)),
      ),
    );
    for (const live of this.ctx.live.values()) if (live.restartTimer) clearTimeout(live.restartTimer);
    await this.ctx.drain();
    await this.ctx.closeLayerWorkers();
    await this.ctx.store.flush();
    await this.ctx.cgroups.removeBase();
  }

  private get store(): ContainerStore {
    return this.ctx.store;
  }

  create(input: ContainerCreateInput): Promise<{ id: string; warnings: string[] }> {
    return createContainer(this.ctx, input);
  }

  async start(ref: string): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, async () => {
      const live = this.ctx.liveOf(record);
      if (live.removing || record.state.status === 'removing' || record.state.status === 'dead') {
        throw new ConflictError(`cannot start container ${record.id}: it is being removed`);
      }
      if (isRunningStatus(record.state.status)) {
        throw new NotModifiedError(`container ${record.id} is already started`);
      }
      live.manuallyStopped = false;
      live.backoff.reset();
      try {
        await startRun(this.ctx, record);
      } catch (err: unknown) {
        record.state.error = err instanceof Error ? err.message : String(err);
        await this.store.save(record);
        throw err;
      }
    });
  }

  async stop(ref: string, options: { timeoutSeconds?: number; signal?: string } = {}): Promise<void> {
    const record = this.store.resolve(ref);
    if (options.signal) this.checkSignal(options.signal);
    await this.ctx.locks.run(record.id, () => stopRun(this.ctx, record, options));
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<void> {
    const record = this.store.resolve(ref);
    const signo = this.checkSignal(signal);
    const live = this.ctx.liveOf(record);
    const supervisor = live.supervisor;
    if (!supervisor?.running || !isRunningStatus(record.state.status)) {
      throw new ConflictError(`Cannot kill container: ${ref}: Container ${record.id} is not running`);
    }
    const stopSigno = this.checkSignal(record.spec.stopSignal);
    const sigkill = signo === signalNumber('SIGKILL');
    if (sigkill || signo === stopSigno) live.manuallyStopped = true;
    this.ctx.publish('kill', record, { signal: String(signo) });
    await supervisor.kill(signo);
    if (record.state.status === 'paused' && sigkill)
      await this.ctx.deps.runtime.resume(record.id).catch(() => undefined);
    if (sigkill) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([live.exitHandled, new Promise((r) => (timer = setTimeout(r, KILL_WAIT_MS)))]);
      clearTimeout(timer);
    }
  }

  async restart(ref: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, async () => {
      const live = this.ctx.liveOf(record);
      if (isRunningStatus(record.state.status))
        await stopRun(this.ctx, record, options).catch(() => undefined);
      live.manuallyStopped = false;
      live.backoff.reset();
      await startRun(this.ctx, record);
      this.ctx.publish('restart', record);
    });
  }

  wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    return waitForContainer(this.ctx, this.store.resolve(ref), condition, signal);
  }

  async remove(ref: string, options: { force?: boolean; removeVolumes?: boolean } = {}): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, () => removeContainer(this.ctx, record, options));
  }

  async inspect(ref: string): Promise<ContainerRecord> {
    const record = this.store.resolve(ref);
    const supervisor = this.ctx.live.get(record.id)?.supervisor;
    if (supervisor?.running && record.state.pid === 0) record.state.pid = supervisor.initPid;
    return structuredClone(record);
  }

  async list(options: ListOptions): Promise<ContainerRecord[]> {
    const found = await filterContainers(this.store.all(), options, {
      imageId: async (ref) => (await this.ctx.deps.imageStore.find(ref))?.id,
      container: (ref) => this.store.resolve(ref),
    });
    return found.map((r) => structuredClone(r));
  }

  async rename(ref: string, newName: string): Promise<void> {
    const record = this.store.resolve(ref);
    const name = normaliseContainerName(newName);
    await this.ctx.locks.run(record.id, async () => {
      const old = record.spec.name;
      if (name === old) {
        throw new ConflictError(`Renaming a container with the same name as its current name: ${name}`);
      }
      this.store.reserveName(name, record.id);
      this.store.releaseName(old, record.id);
      record.spec.name = name;
      await this.store.save(record);
      this.ctx.publish('rename', record, { oldName: `/${old}` });
    });
  }

  async pause(ref: string): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, () => pauseContainer(this.ctx, record));
  }

  async unpause(ref: string): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, () => unpauseContainer(this.ctx, record));
  }

  async resize(ref: string, size: { rows: number; cols: number }): Promise<void> {
    const record = this.store.resolve(ref);
    const supervisor = this.ctx.live.get(record.id)?.supervisor;
    if (!supervisor?.running) throw new ConflictError(`Container ${record.id} is not running`);
    await supervisor.resize(size);
  }

  logs(ref: string, options: LogsOptions & { timestamps?: boolean }): AsyncIterable<OutputChunk> {
    const record = this.store.resolve(ref);
    if (record.spec.logDriver === 'none') {
      throw new InvalidArgumentError('configured logging driver does not support reading');
    }
    return this.ctx.logs.read(record.id, record.logPath, options as LogReadOptions);
  }

  async attach(
    ref: string,
    options: { stdin: boolean; stdout: boolean; stderr: boolean; logs: boolean; stream: boolean },
  ): Promise<StdioSession> {
    return attachToContainer(this.ctx, this.store.resolve(ref), options);
  }

  async top(ref: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }> {
    return topOfContainer(this.ctx, this.store.resolve(ref), psArgs);
  }

  async stats(ref: string): Promise<ContainerStats> {
    return statsOfContainer(this.ctx, this.store.resolve(ref));
  }

  prune(filters: Record<string, string[]>): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    return pruneContainers(this.ctx, filters);
  }

  async createExec(ref: string, input: ExecCreateInput): Promise<string> {
    const record = this.store.resolve(ref);
    const id = this.ctx.execs.create(execTargetOf(this.ctx, record), input);
    this.ctx.publish(`exec_create: ${input.cmd.join(' ')}`, record, { execID: id });
    return id;
  }

  async startExec(
    execId: string,
    options: { detach: boolean; tty?: boolean; consoleSize?: { rows: number; cols: number } },
  ): Promise<StdioSession & { exitCode: Promise<number> }> {
    const exec = this.ctx.execs.get(execId);
    const record = this.store.get(exec.containerId);
    if (!record) throw new NotFoundError('container', exec.containerId);
    const session = await this.ctx.execs.start(execId, execTargetOf(this.ctx, record), options);
    const cmd = exec.input.cmd.join(' ');
    this.ctx.publish(`exec_start: ${cmd}`, record, { execID: execId });
    session.exitCode.then((code) =>
      this.ctx.publish('exec_die', record, { execID: execId, exitCode: String(code) }),
    );
    return session;
  }

  async inspectExec(execId: string): Promise<ExecRecord> {
    return structuredClone(this.ctx.execs.get(execId));
  }

  async resizeExec(execId: string, size: { rows: number; cols: number }): Promise<void> {
    await this.ctx.execs.resize(execId, size);
  }

  async statPath(ref: string, p: string): Promise<PathStat> {
    const record = this.store.resolve(ref);
    return statContainerPath(await rootViewOf(this.ctx, record), ref, p);
  }

  async getArchive(ref: string, p: string): Promise<{ stat: PathStat; tar: Readable }> {
    const record = this.store.resolve(ref);
    return archiveContainerPath(await rootViewOf(this.ctx, record), ref, p);
  }

  async putArchive(
    ref: string,
    p: string,
    tar: Readable,
    options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void> {
    await putContainerArchive(this.ctx, this.store.resolve(ref), ref, p, tar, options);
  }

  commit(ref: string, input: CommitInput): Promise<{ id: string }> {
    const record = this.store.resolve(ref);
    return commitContainer(this.ctx, record, input);
  }

  async update(ref: string, input: ContainerUpdateInput): Promise<{ warnings: string[] }> {
    const record = this.store.resolve(ref);
    return this.ctx.locks.run(record.id, () => updateContainer(this.ctx, record, input));
  }

  changes(ref: string): Promise<FilesystemChange[]> {
    return changesOfContainer(this.ctx, this.store.resolve(ref));
  }

  exportFilesystem(ref: string): Promise<Readable> {
    return exportContainer(this.ctx, this.store.resolve(ref));
  }

  async sizeRw(ref: string): Promise<number> {
    const rootfs = await this.ctx.deps.rootfs.get(this.store.resolve(ref).id);
    return rootfs ? directorySize(rootfs.upperdir) : 0;
  }

  async removeByLabel(label: string, value?: string): Promise<string[]> {
    const matching = this.store
      .all()
      .filter((r) => label in r.spec.labels && (value === undefined || r.spec.labels[label] === value));
    const removed: string[] = [];
    await Promise.all(
      matching.map(async (r) => {
        try {
          await this.remove(r.id, { force: true, removeVolumes: true });
          removed.push(r.id);
        } catch (err: unknown) {
          if (!(err instanceof NotFoundError)) {
            this.ctx.logger.warn({ containerId: r.id, err }, 'cannot remove a labelled container');
          }
        }
      }),
    );
    return removed;
  }

  /**
   * Adds a network to a container: recorded for the next start when it is not running (the
   * testcontainers order: create, connect with aliases, start), joined at once when it is.
   */
  async connectNetwork(ref: string, endpoint: EndpointSpec): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, () => connectContainerNetwork(this.ctx, record, endpoint));
  }

  async disconnectNetwork(ref: string, networkRef: string, options: { force?: boolean } = {}): Promise<void> {
    const record = this.store.resolve(ref);
    await this.ctx.locks.run(record.id, () =>
      disconnectContainerNetwork(this.ctx, record, networkRef, options.force ?? false),
    );
  }

  private checkSignal(signal: string): number {
    try {
      return signalNumber(signal);
    } catch {
      throw new InvalidArgumentError(`Invalid signal: ${signal}`);
    }
  }

  private onHealth(
    id: string,
    health: NonNullable<ContainerRecord['state']['health']>,
    changed: boolean,
  ): void {
    const record = this.store.get(id);
    if (!record || !isRunningStatus(record.state.status)) return;
    record.state.health = health;
    if (changed) this.ctx.publish(`health_status: ${health.status}`, record);
    this.ctx.track('saving the container record', this.store.save(record));
  }
}

/**
 * The composition root's entry point: finds the init binary for `Init: true` unless `deps` names
 * one (or `null`: none), builds the service and recovers what a crashed engine left.
 */
export async function createContainerService(deps: ContainerServiceDeps): Promise<LocalContainerService> {
  const initPath = deps.initPath === undefined ? ((await findInitBinary()) ?? null) : deps.initPath;
  const log = deps.logger.child({ component: 'containers' });
  if (initPath) log.info({ initPath }, 'init for --init containers');
  else log.warn(`no init binary for --init containers (install ${INIT_BINARY_PACKAGE}: skiff doctor)`);
  const service = new LocalContainerService({ ...deps, initPath });
  await service.init();
  return service;
}
