import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { NetworkManager } from '@skiff/net';
import type { EngineConfig } from '../config.js';
import type { ContentStore } from '../content/content-store.js';
import type { EventBus } from '../events/event-bus.js';
import type { ImageRunConfig } from '../images/image-config.js';
import type { ImageStore } from '../images/image-store.js';
import { WorkerLayerUnpacker } from '../layers/worker-layer-unpacker.js';
import type { Logger } from '../logger.js';
import type { OciRuntime } from '../runtime/oci-runtime.js';
import type { OciSpec } from '../runtime/oci-spec-types.js';
import type { RootfsManager, Snapshotter } from '../snapshots/snapshotter.js';
import type { VolumeStore } from '../volumes/volume-store.js';
import type { CgroupPlacement, ContainerCgroups } from './container-cgroups.js';
import type { ContainerRecord } from './container-record.js';
import { ContainerStdio } from './container-stdio.js';
import type { ContainerStore } from './container-store.js';
import type { ExecManager } from './exec-manager.js';
import type { HealthMonitor } from './health-monitor.js';
import type { HostFactsCache } from './host-facts.js';
import { KeyedMutex } from './keyed-mutex.js';
import { formatTimestampNano } from './log-format.js';
import type { LogStore, LogWriter } from './log-store.js';
import type { NameSource } from './name-generator.js';
import type { ProcessPort } from './process-port.js';
import { RestartBackoff } from './restart-policy.js';
import type { RunResult, Supervisor } from './supervisor.js';

/** What the container service is built from (the composition root passes these). */
export interface ContainerServiceDeps {
  config: EngineConfig;
  logger: Logger;
  imageStore: ImageStore;
  snapshotter: Snapshotter;
  rootfs: RootfsManager;
  runtime: OciRuntime;
  events: EventBus;
  /** Bridge and user networks; without it only `none`, `host` and `container:<id>` work. */
  network?: NetworkManager;
  /** Defaults to a LocalVolumeStore under `<root>/volumes`. */
  volumes?: VolumeStore;
  /** Needed by `commit` (layer blob and image config). */
  content?: ContentStore;
  cgroups?: ContainerCgroups;
  /**
   * Host path of a static init (tini) for `Init: true`, bind-mounted at /sbin/docker-init; `null`
   * for none. `createContainerService` looks for one (`findInitBinary`) when it is not given.
   */
  initPath?: string | null;
  /** Nanoseconds since the epoch. */
  now?: () => bigint;
  newId?: () => string;
  names?: NameSource;
  hostFacts?: HostFactsCache;
  /** Host processes (/proc, kill); a fake in unit tests with a fake runtime. */
  processes?: ProcessPort;
  /** Applies `commit --change` instructions; defaults to `images/config-changes.ts`. */
  applyConfigChanges?: (config: ImageRunConfig, changes: readonly string[]) => ImageRunConfig;
  /**
   * Worker threads for commit's layer work (the diff of the upper dir, the snapshot's unpack).
   * Default: the service makes its own on the first commit and closes it with the service.
   */
  layerWorkers?: WorkerLayerUnpacker;
}

/** What the engine holds in memory about one container besides its record. */
export interface LiveContainer {
  stdio: ContainerStdio;
  backoff: RestartBackoff;
  supervisor: Supervisor | undefined;
  placement: CgroupPlacement | undefined;
  /** The OCI spec of the current run: the template for execs. */
  oci: OciSpec | undefined;
  log: LogWriter | undefined;
  /** Settles when the current run's exit has been fully handled (state saved, waiters told). */
  exitHandled: Promise<void> | undefined;
  manuallyStopped: boolean;
  restartTimer: NodeJS.Timeout | undefined;
  runStartedMs: number;
  hasSandbox: boolean;
  removing: boolean;
  rootfsMounted: boolean;
  /** The rootfs mountpoint, once known (from create, or a mount after an engine restart). */
  rootfsPath: string | undefined;
}

const EPOCH_OFFSET_NS = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/**
 * The state the container service's parts share: records, live runs, logs, locks, waiters and
 * the background work (slow cleanup kept off the hot path, but always awaited on close).
 */
export class ContainerContext {
  readonly live = new Map<string, LiveContainer>();
  readonly locks = new KeyedMutex();
  /** `exit:<id>` with a RunResult, `removed:<id>` with the last exit code. */
  readonly waiters = new EventEmitter();
  private readonly background = new Set<Promise<unknown>>();
  private ownWorkers: WorkerLayerUnpacker | undefined;
  readonly now: () => bigint;
  readonly newId: () => string;

  constructor(
    readonly deps: ContainerServiceDeps,
    readonly store: ContainerStore,
    readonly logs: LogStore,
    readonly cgroups: ContainerCgroups,
    readonly execs: ExecManager,
    readonly health: HealthMonitor,
    readonly volumes: VolumeStore,
    readonly hostFacts: HostFactsCache,
  ) {
    this.waiters.setMaxListeners(0);
    this.now = deps.now ?? (() => process.hrtime.bigint() + EPOCH_OFFSET_NS);
    this.newId = deps.newId ?? (() => randomBytes(32).toString('hex'));
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  /** RFC 3339 with nanoseconds: sorts correctly and matches Docker's `Created`. */
  timestamp(): string {
    return formatTimestampNano(this.now());
  }

  liveOf(record: ContainerRecord): LiveContainer {
    let live = this.live.get(record.id);
    if (!live) {
      live = {
        stdio: new ContainerStdio(record.spec.tty, record.spec.stdinOnce),
        backoff: new RestartBackoff(),
        supervisor: undefined,
        placement: undefined,
        oci: undefined,
        log: undefined,
        exitHandled: undefined,
        manuallyStopped: false,
        restartTimer: undefined,
        runStartedMs: 0,
        hasSandbox: false,
        removing: false,
        rootfsMounted: false,
        rootfsPath: undefined,
      };
      this.live.set(record.id, live);
    }
    return live;
  }

  /** `<scratchDir>/containers/<id>`: shared with the rootfs manager, which owns `merged`, `upper`, `work`. */
  scratchDir(id: string): string {
    return path.join(this.deps.config.scratchDir, 'containers', id);
  }

  bundleDir(id: string): string {
    return path.join(this.scratchDir(id), 'bundle');
  }

  /** Runs cleanup in the background; failures are logged, and `drain` waits for all of it. */
  track(what: string, work: Promise<unknown>, ids: Record<string, string> = {}): void {
    const tracked = work
      .catch((err: unknown) => this.logger.warn({ ...ids, err }, `${what} failed`))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** The layer worker pool: the one passed in, or one made on first use (see `closeLayerWorkers`). */
  layerWorkers(): WorkerLayerUnpacker {
    if (this.deps.layerWorkers) return this.deps.layerWorkers;
    this.ownWorkers ??= new WorkerLayerUnpacker();
    return this.ownWorkers;
  }

  /** Stops the workers this context made itself (a pool passed in belongs to its maker). */
  async closeLayerWorkers(): Promise<void> {
    const own = this.ownWorkers;
    this.ownWorkers = undefined;
    await own?.close();
  }

  async drain(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  publish(action: string, record: ContainerRecord, extra: Record<string, string> = {}): void {
    this.deps.events.publish('container', action, record.id, {
      ...record.spec.labels,
      image: record.spec.image,
      name: record.spec.name,
      ...extra,
    });
  }

  notifyExit(id: string, result: RunResult): void {
    this.waiters.emit(`exit:${id}`, result);
  }
}
