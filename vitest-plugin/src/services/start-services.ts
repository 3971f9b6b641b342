import { errorMessage, type Logger, type SkiffRuntime } from '@skiff/core';
import { checkHostPorts } from './check-host-ports.js';
import type {
  DependencyInfos,
  RunningService,
  ServiceDefinitions,
  ServiceInfoBase,
} from './service-definition.js';
import { ServiceStartError } from './service-errors.js';
import { planServices } from './service-plan.js';

export interface StartServicesOptions {
  runtime: SkiffRuntime;
  logger: Logger;
  /** Where relative paths in declarations resolve (the test project's root). */
  root: string;
  /** Monotonic milliseconds, for the timings in the log. */
  now?: () => number;
}

/** Started services, in the order they became ready. `stop()` removes them in reverse. */
export class StartedServices {
  constructor(
    private readonly running: ReadonlyMap<string, RunningService>,
    private readonly logger: Logger,
  ) {}

  /** Every service's connection details, by name (structured-clone and JSON safe). */
  get infos(): Record<string, ServiceInfoBase> {
    return Object.fromEntries([...this.running].map(([name, service]) => [name, service.info]));
  }

  get(name: string): RunningService | undefined {
    return this.running.get(name);
  }

  get names(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Stops every service, dependents before what they depend on. Each stop is independent: a failure
   * is logged and the rest still run; the first failure is rethrown at the end.
   */
  async stop(): Promise<void> {
    let first: unknown;
    for (const [name, service] of [...this.running].reverse()) {
      try {
        await service.stop();
      } catch (err) {
        this.logger.warn({ err, service: name }, 'stopping a service failed');
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}

/** A dependency failed, so this service was never started. */
class SkippedError extends Error {}

/**
 * Starts declared services, each as soon as what it depends on is ready — independent services
 * in parallel. Bad declarations and taken host ports are reported before anything starts. If any
 * service fails, every one that started is stopped again before the error (with the failed
 * container's logs in its message) is thrown.
 */
export async function startServices(
  services: ServiceDefinitions,
  options: StartServicesOptions,
): Promise<StartedServices> {
  const order = planServices(services);
  if (options.runtime.explanation.endpoint.startsWith('unix://')) await checkHostPorts(services);
  const now = options.now ?? (() => performance.now());
  const running = new Map<string, RunningService>();
  const pending = new Map<string, Promise<RunningService>>();

  const startOne = async (name: string): Promise<RunningService> => {
    const definition = services[name];
    if (!definition) throw new Error(`unplanned service ${name}`);
    const dependencies = await Promise.allSettled(definition.dependsOn.map((d) => pending.get(d)));
    if (dependencies.some((d) => d.status === 'rejected')) throw new SkippedError(name);
    const infos: Record<string, DependencyInfos[string]> = {};
    for (const dependency of definition.dependsOn) {
      const info = running.get(dependency)?.info;
      if (info) infos[dependency] = info as DependencyInfos[string];
    }
    const logger = options.logger.child({ service: name });
    const began = now();
    logger.debug({ describe: definition.describe }, 'starting service');
    const service = await definition.start({
      name,
      runtime: options.runtime,
      logger,
      root: options.root,
      dependencies: infos,
    });
    running.set(name, service);
    logger.debug({ ms: Math.round(now() - began) }, 'service ready');
    return service;
  };
  // Planned order: every dependency's promise exists before its dependents look it up.
  for (const name of order) pending.set(name, startOne(name));
  const results = await Promise.allSettled(order.map((name) => pending.get(name)));

  const failures = order.flatMap((name, i) => {
    const result = results[i];
    return result?.status === 'rejected' && !(result.reason instanceof SkippedError)
      ? [{ name, reason: result.reason as unknown }]
      : [];
  });
  const started = new StartedServices(running, options.logger);
  const [first, ...others] = failures;
  if (first) {
    await started.stop().catch(() => undefined);
    throw new ServiceStartError(
      first.name,
      services[first.name]?.describe ?? first.name,
      first.reason,
      Object.fromEntries(others.map((o) => [o.name, errorMessage(o.reason)])),
    );
  }
  return started;
}
