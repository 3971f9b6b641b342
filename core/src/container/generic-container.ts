import type { WireContainerInspect } from '../engine/wire-types.js';
import { GenericContainerBuilder } from '../images/generic-container-builder.js';
import type { ImagePullPolicy } from '../images/pull-policy.js';
import { resolveRuntime } from '../runtime/default-runtime.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';
import {
  type ArchiveToCopy,
  type BindMount,
  type ContainerRequest,
  type ContentToCopy,
  type CopyToContainerOptions,
  type DirectoryToCopy,
  type ExtraHost,
  emptyRequest,
  type FileToCopy,
  type HealthCheck,
  type LogConsumer,
  type ResourcesQuota,
  type Ulimits,
} from './container-request.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { type PortSpec, parsePortSpec } from './port.js';
import type { StartedGenericContainer } from './started-container.js';

/** What `withNetwork()` needs of a started network. */
export interface NetworkRef {
  getName(): string;
}

/**
 * The container builder, with testcontainers-node's methods and semantics (every `with*` returns
 * `this`). It only collects options; `start()` loads the start code on demand, so importing
 * `@skiff/core` stays light.
 */
export class GenericContainer {
  protected readonly request: ContainerRequest;
  private runtime: SkiffRuntime | undefined;

  constructor(image: string) {
    this.request = emptyRequest(image);
  }

  /** Builds an image from a Dockerfile in `context` (`.dockerignore` applied), then `build()` → a container. */
  static fromDockerfile(context: string, dockerfile = 'Dockerfile'): GenericContainerBuilder {
    return new GenericContainerBuilder(context, dockerfile);
  }

  /** Runs this container in `runtime` instead of the default one. */
  withRuntime(runtime: SkiffRuntime): this {
    this.runtime = runtime;
    return this;
  }

  withCommand(command: string[]): this {
    this.request.command = [...command];
    return this;
  }

  withEntrypoint(entrypoint: string[]): this {
    this.request.entrypoint = [...entrypoint];
    return this;
  }

  /** Merges into the environment (later values win). */
  withEnvironment(environment: Record<string, string>): this {
    Object.assign(this.request.environment, environment);
    return this;
  }

  /** `80`, `"53/udp"`, or `{ container: 80, host: 8080 }` for a fixed host port. */
  withExposedPorts(...ports: PortSpec[]): this {
    this.request.exposedPorts.push(...ports.map(parsePortSpec));
    return this;
  }

  /** Replaces earlier bind mounts, as testcontainers does. */
  withBindMounts(bindMounts: BindMount[]): this {
    this.request.bindMounts = bindMounts.map((b) => ({ ...b }));
    return this;
  }

  withTmpFs(tmpfs: Record<string, string>): this {
    Object.assign(this.request.tmpfs, tmpfs);
    return this;
  }

  withCopyFilesToContainer(files: FileToCopy[]): this {
    this.request.filesToCopy.push(...files);
    return this;
  }

  withCopyDirectoriesToContainer(directories: DirectoryToCopy[]): this {
    this.request.directoriesToCopy.push(...directories);
    return this;
  }

  withCopyContentToContainer(contents: ContentToCopy[]): this {
    this.request.contentsToCopy.push(...contents);
    return this;
  }

  withCopyArchivesToContainer(archives: ArchiveToCopy[]): this {
    this.request.archivesToCopy.push(...archives);
    return this;
  }

  withCopyToContainerOptions(options: CopyToContainerOptions): this {
    this.request.copyOptions = { ...options };
    return this;
  }

  withNetwork(network: NetworkRef): this {
    this.request.networkMode = network.getName();
    return this;
  }

  withNetworkMode(networkMode: string): this {
    this.request.networkMode = networkMode;
    return this;
  }

  withNetworkAliases(...aliases: string[]): this {
    this.request.networkAliases.push(...aliases);
    return this;
  }

  withExtraHosts(extraHosts: ExtraHost[]): this {
    this.request.extraHosts.push(...extraHosts);
    return this;
  }

  withLabels(labels: Record<string, string>): this {
    Object.assign(this.request.labels, labels);
    return this;
  }

  withName(name: string): this {
    this.request.name = name;
    return this;
  }

  withUser(user: string): this {
    this.request.user = user;
    return this;
  }

  withWorkingDir(workingDir: string): this {
    this.request.workingDir = workingDir;
    return this;
  }

  withHostname(hostname: string): this {
    this.request.hostname = hostname;
    return this;
  }

  /** Also used for the pull. */
  withPlatform(platform: string): this {
    this.request.platform = platform;
    return this;
  }

  withPrivilegedMode(privileged = true): this {
    this.request.privileged = privileged;
    return this;
  }

  withAddedCapabilities(...capabilities: string[]): this {
    this.request.addedCapabilities.push(...capabilities);
    return this;
  }

  withDroppedCapabilities(...capabilities: string[]): this {
    this.request.droppedCapabilities.push(...capabilities);
    return this;
  }

  withSecurityOpt(...securityOpt: string[]): this {
    this.request.securityOpt.push(...securityOpt);
    return this;
  }

  /** `memory` in GB, `cpu` in CPUs. */
  withResourcesQuota(resources: ResourcesQuota): this {
    this.request.resources = { ...resources };
    return this;
  }

  withSharedMemorySize(bytes: number): this {
    this.request.shmSize = bytes;
    return this;
  }

  withUlimits(ulimits: Ulimits): this {
    this.request.ulimits = { ...ulimits };
    return this;
  }

  withIpcMode(ipcMode: string): this {
    this.request.ipcMode = ipcMode;
    return this;
  }

  /** Forces the `json-file` log driver, so log-based waits work on engines configured otherwise. */
  withDefaultLogDriver(): this {
    this.request.defaultLogDriver = true;
    return this;
  }

  /** Times in milliseconds. */
  withHealthCheck(healthCheck: HealthCheck): this {
    this.request.healthCheck = { ...healthCheck };
    return this;
  }

  withWaitStrategy(waitStrategy: WaitStrategy): this {
    this.request.waitStrategy = waitStrategy;
    return this;
  }

  /** The one deadline for the whole of `start()`: pull, create, port binding and waiting. */
  withStartupTimeout(startupTimeoutMs: number): this {
    this.request.startupTimeoutMs = startupTimeoutMs;
    return this;
  }

  /** Receives the followed, demultiplexed log stream once the container has started. */
  withLogConsumer(logConsumer: LogConsumer): this {
    this.request.logConsumer = logConsumer;
    return this;
  }

  withPullPolicy(pullPolicy: ImagePullPolicy): this {
    this.request.pullPolicy = pullPolicy;
    return this;
  }

  /**
   * Reuse a container with the same full configuration (host config and copied content included)
   * across runs and processes. Reused containers carry no session label: they outlive the run.
   */
  withReuse(reuse = true): this {
    this.request.reuse = reuse;
    return this;
  }

  /** Whether `stop()` removes the container (default true). */
  withAutoRemove(autoRemove: boolean): this {
    this.request.autoRemove = autoRemove;
    return this;
  }

  /** `false`: no session label, so the container survives the end of the session. */
  withAutoCleanup(autoCleanup: boolean): this {
    this.request.autoCleanup = autoCleanup;
    return this;
  }

  /** The runtime `start()` will use (given with `withRuntime()`, else the default); for modules. */
  protected getRuntime(): Promise<SkiffRuntime> {
    return resolveRuntime(this.runtime);
  }

  // Lifecycle methods for subclasses (testcontainers' protected hooks). Overridden ones are called.
  protected async beforeContainerCreated(): Promise<void> {}
  protected async containerCreated(_containerId: string): Promise<void> {}
  protected async containerStarting(_inspect: WireContainerInspect, _reused: boolean): Promise<void> {}
  protected async containerStarted(
    _container: StartedGenericContainer,
    _inspect: WireContainerInspect,
    _reused: boolean,
  ): Promise<void> {}
  protected async containerStopping(): Promise<void> {}
  protected async containerStopped(): Promise<void> {}

  private hooks(): LifecycleHooks {
    const base = GenericContainer.prototype;
    const hooks: LifecycleHooks = {};
    // Only overridden hooks are passed on: `containerStarting` costs an inspect per start.
    if (this.beforeContainerCreated !== base.beforeContainerCreated)
      hooks.beforeContainerCreated = () => this.beforeContainerCreated();
    if (this.containerCreated !== base.containerCreated)
      hooks.containerCreated = (id) => this.containerCreated(id);
    if (this.containerStarting !== base.containerStarting)
      hooks.containerStarting = (i, r) => this.containerStarting(i, r);
    if (this.containerStarted !== base.containerStarted)
      hooks.containerStarted = (c, i, r) => this.containerStarted(c, i, r);
    if (this.containerStopping !== base.containerStopping)
      hooks.containerStopping = () => this.containerStopping();
    if (this.containerStopped !== base.containerStopped)
      hooks.containerStopped = () => this.containerStopped();
    return hooks;
  }

  async start(): Promise<StartedGenericContainer> {
    const [runtime, { startGenericContainer }] = await Promise.all([
      resolveRuntime(this.runtime),
      import('./start-container.js'),
    ]);
    return startGenericContainer(runtime, this.request, this.hooks());
  }
}
