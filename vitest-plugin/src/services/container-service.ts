import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  GenericContainer,
  type PortSpec,
  SkiffCoreError,
  type StartedGenericContainer,
  type WaitStrategy,
} from '@skiff/core';
import { checkOptions } from './check-options.js';
import {
  type ContainerPlacement,
  type DependencyInfos,
  dependenciesOf,
  fixedHostPorts,
  PLACEMENT_OPTIONS,
  placeContainer,
  portKey,
} from './container-parts.js';
import {
  SERVICE_BRAND,
  type ServiceDefinition,
  type ServiceInfoBase,
  type ServiceStartContext,
} from './service-definition.js';
import { ServiceConfigError } from './service-errors.js';

/** An image built from a Dockerfile for the service (`GenericContainer.fromDockerfile()`). */
export interface DockerfileSource {
  /** The build context; relative paths are resolved against the test project's root. */
  context: string;
  /** Relative to the context (default `Dockerfile`). */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
}

export interface ContainerServiceOptions extends ContainerPlacement {
  /** Ports to publish: `8080`, `"53/udp"`, or `{ container: 8080, host: 18080 }` for a fixed host port. */
  ports?: PortSpec[];
  /** Environment; a function receives the infos of the services in `dependsOn` (and the network). */
  env?: Record<string, string> | ((dependencies: DependencyInfos) => Record<string, string>);
  command?: string[];
  entrypoint?: string[];
  /** Readiness (core's `Wait.*`); default: the published ports accept connections. */
  wait?: WaitStrategy;
  /** One deadline for pull or build, start and wait, in milliseconds. */
  startupTimeout?: number;
  /** Anything else: receives the container builder before it starts. */
  configure?: (container: GenericContainer) => GenericContainer | undefined;
}

/** What tests get for a `container()` service. */
export interface ContainerServiceInfo extends ServiceInfoBase {
  kind: 'container';
  id: string;
  name: string;
  /** The image it runs (for a Dockerfile: the built image's name). */
  image: string;
  /** The address published ports are reached on from the test process. */
  host: string;
  /** Published ports: declared port (`"8080"`, `"53/udp"`) → host port. */
  ports: Record<string, number>;
  /** Names the container has on its network (`[]` without one). */
  networkAliases: string[];
}

const KNOWN = [
  'ports',
  'env',
  'command',
  'entrypoint',
  'wait',
  'startupTimeout',
  'configure',
  ...PLACEMENT_OPTIONS,
] as const;

function describeImage(image: string | DockerfileSource): string {
  if (typeof image === 'string') return image;
  return `${image.dockerfile ?? 'Dockerfile'} in ${image.context}`;
}

async function resolveImage(
  image: string | DockerfileSource,
  context: ServiceStartContext,
): Promise<{ container: GenericContainer; image: string }> {
  if (typeof image === 'string') return { container: new GenericContainer(image), image };
  const builder = GenericContainer.fromDockerfile(path.resolve(context.root, image.context), image.dockerfile)
    .withRuntime(context.runtime)
    .withBuildArgs(image.buildArgs ?? {});
  const name = `localhost/skiff-service-${context.name}:${context.runtime.session.id.slice(0, 12)}`;
  return { container: await builder.build(name), image: name };
}

/**
 * A generic container service: an image (or a Dockerfile) with ports, environment, command and a
 * wait strategy. Its info carries the published ports by declared port.
 *
 * ```ts
 * api: container('busybox:1.35', { command: ['httpd', '-f', '-p', '8080'], ports: [8080] })
 * ```
 */
export function container(
  image: string | DockerfileSource,
  options: ContainerServiceOptions = {},
): ServiceDefinition<ContainerServiceInfo> {
  checkOptions('container', options, KNOWN);
  if (typeof image !== 'string') {
    checkOptions('container Dockerfile source', image, ['context', 'dockerfile', 'buildArgs']);
    if (typeof image?.context !== 'string') {
      throw new ServiceConfigError(
        'container(): a Dockerfile source needs a context directory ({ context })',
      );
    }
  } else if (image.trim() === '') {
    throw new ServiceConfigError('container(): the image name is empty');
  }
  const settings: ContainerServiceOptions = { ...options, ports: [...(options.ports ?? [])] };
  return {
    [SERVICE_BRAND]: true,
    kind: 'container',
    describe: describeImage(image),
    dependsOn: dependenciesOf(settings),
    network: settings.network,
    fixedHostPorts: fixedHostPorts(settings.ports),
    async start(context) {
      const resolved = await resolveImage(image, context);
      let builder = placeContainer(resolved.container.withRuntime(context.runtime), settings, context);
      if (settings.ports?.length) builder = builder.withExposedPorts(...settings.ports);
      const env = typeof settings.env === 'function' ? settings.env(context.dependencies) : settings.env;
      if (env) builder = builder.withEnvironment(env);
      if (settings.command) builder = builder.withCommand(settings.command);
      if (settings.entrypoint) builder = builder.withEntrypoint(settings.entrypoint);
      if (settings.wait) builder = builder.withWaitStrategy(settings.wait);
      if (settings.startupTimeout) builder = builder.withStartupTimeout(settings.startupTimeout);
      builder = settings.configure?.(builder) ?? builder;
      const started = await builder.start();
      let info: ContainerServiceInfo;
      try {
        info = containerInfo(started, resolved.image, settings, context.name);
      } catch (err) {
        throw await exitedEarly(started, resolved.image, err);
      }
      return {
        info,
        actions: { exec: (args) => execAction(started, args) },
        stop: async () => {
          await started.stop();
        },
      };
    },
  };
}

function containerInfo(
  started: StartedGenericContainer,
  image: string,
  settings: ContainerServiceOptions,
  name: string,
): ContainerServiceInfo {
  const ports: Record<string, number> = {};
  for (const spec of settings.ports ?? []) {
    const key = portKey(spec);
    ports[key] = started.getMappedPort(key);
  }
  return {
    kind: 'container',
    id: started.getId(),
    name: started.getName(),
    image,
    host: started.getHost(),
    ports,
    networkAliases: settings.network ? [name, ...(settings.aliases ?? [])] : [],
  };
}

/**
 * A declared port without a binding after a successful start means the container exited before
 * its ports were bound (and so before any port check could fail): say so with its last logs, and
 * remove it.
 */
async function exitedEarly(started: StartedGenericContainer, image: string, cause: unknown): Promise<Error> {
  const logs = (await lastLogs(started)).trimEnd();
  await started.stop().catch(() => undefined);
  return new SkiffCoreError(
    'SKIFF_CONTAINER_START_FAILED',
    `container ${started.getName()} (${image}) exited before its ports were published` +
      (logs ? `\n--- last log lines ---\n${logs}\n--- end of logs ---` : '\n(the container wrote no logs)'),
    { cause },
  );
}

/**
 * The container's last log lines, waiting at most `ms`. The timer is deliberately ref'd: the log
 * request's socket is not, and without it a stream that never ends would let the process exit
 * mid-start as if nothing were pending.
 */
async function lastLogs(started: StartedGenericContainer, ms = 2_000): Promise<string> {
  const chunks: string[] = [];
  let stream: Readable | undefined;
  const read = (async () => {
    stream = await started.logs({ tail: 50 });
    for await (const chunk of stream) chunks.push(String(chunk));
  })();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    read.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
  stream?.destroy();
  return chunks.join('');
}

async function execAction(
  started: StartedGenericContainer,
  args: Record<string, unknown>,
): Promise<{ exitCode: number; output: string; stdout: string; stderr: string }> {
  const command = args.command;
  if (
    typeof command !== 'string' &&
    !(Array.isArray(command) && command.every((c) => typeof c === 'string'))
  ) {
    throw new ServiceConfigError('exec needs { command: string | string[] }');
  }
  const result = await started.exec(command as string | string[]);
  return { exitCode: result.exitCode, output: result.output, stdout: result.stdout, stderr: result.stderr };
}
