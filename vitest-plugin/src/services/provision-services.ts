import { createRuntime, type Logger, type RuntimeOptions, type SkiffRuntime } from '@skiff/core';
import { defineServices } from './define-services.js';
import { ServiceBroker } from './service-broker.js';
import type { ServiceDefinitions, ServiceInfoBase } from './service-definition.js';
import { planServices } from './service-plan.js';
import { type StartedServices, startServices } from './start-services.js';

/** What the test side needs besides the services' infos; plain data (crosses to the workers). */
export interface SkiffRunContext {
  /** The engine the services run on (`unix:///…` or `tcp://…`), for containers tests start themselves. */
  engineHost: string;
  engineKind: string;
  sessionId: string;
  /** Who removes the services if the runner dies: the engine's session protocol, or core's reaper process. */
  sessionMode: 'engine' | 'reaper' | 'none';
  /** The unix socket of the broker that runs service actions (`createDatabase`, …) in the owner process. */
  broker: string;
  services: string[];
}

export interface ProvisionOptions {
  services: ServiceDefinitions;
  /** Where relative paths in declarations resolve. */
  root: string;
  /** A runtime of the caller's (it keeps ownership); otherwise one is created from `runtimeOptions`. */
  runtime?: SkiffRuntime;
  runtimeOptions?: RuntimeOptions;
  logger?: Logger;
  /**
   * The environment test workers inherit (default `process.env`). When the engine was found by
   * discovery (or started on demand), `SKIFF_HOST` is set in it, so containers that tests start
   * themselves use the same engine without discovering it again.
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * The services of one test run, owned by the runner's main process: the runtime (its session is
 * what removes everything if this process dies), the started services and the broker.
 */
export class ProvisionedServices {
  private closed: Promise<void> | undefined;

  constructor(
    readonly runtime: SkiffRuntime,
    readonly started: StartedServices,
    readonly broker: ServiceBroker,
    private readonly ownsRuntime: boolean,
  ) {}

  get infos(): Record<string, ServiceInfoBase> {
    return this.started.infos;
  }

  get context(): SkiffRunContext {
    return {
      engineHost: this.runtime.explanation.endpoint.replace(/ \(TLS\)$/, ''),
      engineKind: this.runtime.explanation.kind,
      sessionId: this.runtime.session.id,
      sessionMode: this.runtime.session.mode,
      broker: this.broker.socketPath,
      services: this.started.names,
    };
  }

  /** Stops the broker and the services, then ends the session (which removes anything left). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.broker.close().catch(() => undefined);
      try {
        await this.started.stop();
      } finally {
        if (this.ownsRuntime) await this.runtime.close();
      }
    })();
    return this.closed;
  }
}

/**
 * Checks the declarations (before any engine is contacted), opens a runtime, starts the services in
 * parallel and serves their actions. On failure nothing is left running: started services are
 * stopped and the runtime's session closed before the error is thrown.
 */
export async function provisionServices(options: ProvisionOptions): Promise<ProvisionedServices> {
  const services = defineServices(options.services);
  planServices(services);
  // Core unrefs its sockets and timers so they never keep a test process alive. While services
  // start, something must: otherwise a request that never answers lets the runner's process exit
  // with code 0 in the middle of its global setup — a silent, green-looking run. Held until the
  // start settles, this makes core's startup deadlines fire instead.
  const holdOpen = setInterval(() => undefined, 60_000);
  try {
    return await provision(options, services);
  } finally {
    clearInterval(holdOpen);
  }
}

async function provision(
  options: ProvisionOptions,
  services: ServiceDefinitions,
): Promise<ProvisionedServices> {
  const ownsRuntime = !options.runtime;
  const runtime = options.runtime ?? (await createRuntime(options.runtimeOptions ?? {}));
  const logger = options.logger ?? runtime.logger;
  try {
    const started = await startServices(services, { runtime, logger, root: options.root });
    let broker: ServiceBroker;
    try {
      broker = await ServiceBroker.listen(started, logger);
    } catch (err) {
      await started.stop().catch(() => undefined);
      throw err;
    }
    const provisioned = new ProvisionedServices(runtime, started, broker, ownsRuntime);
    const env = options.env ?? process.env;
    if (!env.SKIFF_HOST && env.SKIFF_ENGINE !== 'docker' && runtime.explanation.kind === 'skiff') {
      env.SKIFF_HOST = provisioned.context.engineHost;
    }
    return provisioned;
  } catch (err) {
    if (ownsRuntime) await runtime.close().catch(() => undefined);
    throw err;
  }
}
