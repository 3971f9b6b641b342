import type { Readable } from 'node:stream';
import { DEFAULT_STARTUP_TIMEOUT_MS, Label } from '../constants.js';
import {
  commitContainer,
  type ExecOptions,
  type ExecResult,
  execInContainer,
  followLogs,
  getArchive,
  inspectContainer,
  putArchive,
  removeContainer,
  restartContainer,
  stopContainer,
} from '../engine/containers-api.js';
import { demuxToText } from '../engine/demux-stream.js';
import type { WireContainerInspect } from '../engine/wire-types.js';
import { InvalidArgumentError } from '../errors.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { Deadline } from '../util/deadline.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';
import { BoundPorts } from './bound-ports.js';
import type {
  ContainerRequest,
  ContentToCopy,
  CopyToContainerOptions,
  FileToCopy,
} from './container-request.js';
import { buildCopyArchive } from './copy-archive.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import type { PortProtocol } from './port.js';
import { StoppedGenericContainer } from './stopped-container.js';
import { waitUntilReady } from './wait-until-ready.js';

export interface StopOptions {
  /** Seconds to wait after SIGTERM before SIGKILL (default 0, as testcontainers). */
  timeout?: number;
  /** Remove the container (default: the container's `withAutoRemove`, true unless changed). */
  remove?: boolean;
  removeVolumes?: boolean;
}

export interface CommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause?: boolean;
  /** Dockerfile instructions applied to the image (`ENV A=1`, `CMD ["x"]`). */
  changes?: string[];
  /** Label the image with the session so it is removed with it (default true). */
  deleteOnExit?: boolean;
}

/** A running container: how to reach it, run things in it, copy to and from it, stop it. */
export class StartedGenericContainer {
  private stopped: Promise<StoppedGenericContainer> | undefined;

  constructor(
    private readonly runtime: SkiffRuntime,
    private inspectResult: WireContainerInspect,
    private boundPorts: BoundPorts,
    private readonly request: ContainerRequest,
    private readonly waitStrategy: WaitStrategy,
    private readonly hooks: LifecycleHooks,
    readonly reused: boolean,
  ) {}

  /**
   * The constructor arguments of `container`, so that a subclass (a module's typed handle, see
   * `AbstractStartedContainer`) can take a started container over.
   */
  protected static partsOf(
    container: StartedGenericContainer,
  ): ConstructorParameters<typeof StartedGenericContainer> {
    return [
      container.runtime,
      container.inspectResult,
      container.boundPorts,
      container.request,
      container.waitStrategy,
      container.hooks,
      container.reused,
    ];
  }

  /** The address the test process reaches published ports on (`127.0.0.1` for a local engine). */
  getHost(): string {
    return this.runtime.host;
  }

  getHostname(): string {
    return this.inspectResult.Config.Hostname;
  }

  getId(): string {
    return this.inspectResult.Id;
  }

  getName(): string {
    return this.inspectResult.Name.replace(/^\//, '');
  }

  getLabels(): Record<string, string> {
    return { ...(this.inspectResult.Config.Labels ?? {}) };
  }

  getFirstMappedPort(): number {
    return this.boundPorts.first();
  }

  /** `getMappedPort(80)`, `getMappedPort("53/udp")` or `getMappedPort(53, "udp")`. */
  getMappedPort(port: number | string, protocol?: PortProtocol): number {
    return this.boundPorts.getMappedPort(port, protocol);
  }

  getNetworkNames(): string[] {
    return Object.keys(this.inspectResult.NetworkSettings.Networks ?? {});
  }

  getNetworkId(networkName: string): string {
    return this.network(networkName).NetworkID;
  }

  getIpAddress(networkName: string): string {
    return this.network(networkName).IPAddress;
  }

  private network(name: string) {
    const network = this.inspectResult.NetworkSettings.Networks?.[name];
    if (!network) {
      throw new InvalidArgumentError(
        `container ${this.getName()} is not on network ${JSON.stringify(name)}; it is on: ${this.getNetworkNames().join(', ') || 'none'}`,
      );
    }
    return network;
  }

  /** An array is run as is; a string is run by `/bin/sh -c` (not split on spaces). */
  exec(command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
    const argv = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
    if (argv.length === 0) throw new InvalidArgumentError('exec needs a command');
    return execInContainer(this.runtime.client, this.getId(), argv, options);
  }

  /** The container's output (stdout and stderr interleaved), followed until it stops. */
  async logs(options: { since?: number; tail?: number } = {}): Promise<Readable> {
    const raw = await followLogs(this.runtime.client, this.getId(), {
      since: options.since ?? 0,
      tail: options.tail === undefined ? 'all' : options.tail,
    });
    return demuxToText(raw);
  }

  async copyFilesToContainer(files: FileToCopy[], options: CopyToContainerOptions = {}): Promise<void> {
    const tar = await buildCopyArchive({ files });
    if (tar) await putArchive(this.runtime.client, this.getId(), '/', tar, options);
  }

  async copyDirectoriesToContainer(
    directories: FileToCopy[],
    options: CopyToContainerOptions = {},
  ): Promise<void> {
    const tar = await buildCopyArchive({ directories });
    if (tar) await putArchive(this.runtime.client, this.getId(), '/', tar, options);
  }

  async copyContentToContainer(
    contents: ContentToCopy[],
    options: CopyToContainerOptions = {},
  ): Promise<void> {
    const tar = await buildCopyArchive({ contents });
    if (tar) await putArchive(this.runtime.client, this.getId(), '/', tar, options);
  }

  /** Extracts a tar into `target`, a directory that exists in the container. */
  async copyArchiveToContainer(
    tar: Readable | Buffer,
    target = '/',
    options: CopyToContainerOptions = {},
  ): Promise<void> {
    await putArchive(this.runtime.client, this.getId(), target, tar, options);
  }

  /** A tar whose root entry is the basename of `path`. */
  copyArchiveFromContainer(path: string): Promise<Readable> {
    return getArchive(this.runtime.client, this.getId(), path);
  }

  /** Restarts, maps the (possibly new) ports again and reruns the wait strategy from the restart. */
  async restart(options: { timeout?: number } = {}): Promise<void> {
    const restartedAt = new Date(this.runtime.clock.now() - 1);
    await restartContainer(this.runtime.client, this.getId(), options.timeout ?? 0);
    this.inspectResult = await inspectContainer(this.runtime.client, this.getId());
    const declared = this.request.exposedPorts.map((p) => `${p.container}/${p.protocol}`);
    this.boundPorts = BoundPorts.fromInspect(this.inspectResult.NetworkSettings.Ports, declared);
    const deadline = new Deadline(
      this.request.startupTimeoutMs ?? this.waitStrategy.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
      this.runtime.clock,
    );
    await waitUntilReady(
      this.runtime,
      this.getId(),
      this.waitStrategy,
      this.boundPorts,
      deadline,
      restartedAt,
    );
  }

  /** Stops (and by default removes) the container. Idempotent: later calls return the same result. */
  stop(options: StopOptions = {}): Promise<StoppedGenericContainer> {
    this.stopped ??= (async () => {
      await this.hooks.containerStopping?.();
      const remove = options.remove ?? this.request.autoRemove;
      if (remove) {
        // One call: kill and remove. The container is going away, so a graceful stop only matters
        // when a timeout was asked for.
        if (options.timeout) await stopContainer(this.runtime.client, this.getId(), options.timeout);
        await removeContainer(this.runtime.client, this.getId(), {
          force: true,
          volumes: options.removeVolumes ?? true,
        });
      } else {
        await stopContainer(this.runtime.client, this.getId(), options.timeout ?? 0);
      }
      await this.hooks.containerStopped?.();
      return new StoppedGenericContainer(this.runtime, this.getId(), !remove);
    })();
    return this.stopped;
  }

  /** Makes an image of the container's filesystem; returns its id. */
  async commit(options: CommitOptions = {}): Promise<string> {
    const changes = [...(options.changes ?? [])];
    if (options.deleteOnExit ?? true) changes.push(`LABEL ${Label.Session}=${this.runtime.session.id}`);
    return commitContainer(this.runtime.client, this.getId(), {
      repo: options.repo,
      tag: options.tag,
      comment: options.comment,
      author: options.author,
      pause: options.pause,
      changes: changes.join('\n'),
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
