import { randomUUID } from 'node:crypto';
import { resolveRuntime } from '../runtime/default-runtime.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import type { StartedNetwork } from './started-network.js';

export interface NetworkOptions {
  /** Default: a random UUID, so parallel runs never collide. */
  name?: string;
  driver?: string;
  /** No route out of the network. */
  internal?: boolean;
  /** e.g. `10.42.0.0/24`; the engine picks one when absent. */
  subnet?: string;
  gateway?: string;
  labels?: Record<string, string>;
  enableIpv6?: boolean;
}

/** A user-defined bridge network, labelled with the session. Options may be given or chained. */
export class Network {
  private readonly options: NetworkOptions;
  private runtime: SkiffRuntime | undefined;

  constructor(options: NetworkOptions = {}) {
    this.options = { ...options, labels: { ...options.labels } };
  }

  withRuntime(runtime: SkiffRuntime): this {
    this.runtime = runtime;
    return this;
  }

  withName(name: string): this {
    this.options.name = name;
    return this;
  }

  withDriver(driver: string): this {
    this.options.driver = driver;
    return this;
  }

  withInternal(internal = true): this {
    this.options.internal = internal;
    return this;
  }

  withSubnet(subnet: string, gateway?: string): this {
    this.options.subnet = subnet;
    this.options.gateway = gateway;
    return this;
  }

  withLabels(labels: Record<string, string>): this {
    Object.assign(this.options.labels ?? {}, labels);
    return this;
  }

  async start(): Promise<StartedNetwork> {
    const runtime = await resolveRuntime(this.runtime);
    const [{ createNetwork }, { StartedNetwork }] = await Promise.all([
      import('../engine/networks-api.js'),
      import('./started-network.js'),
    ]);
    const name = this.options.name ?? randomUUID();
    const ipam =
      this.options.subnet !== undefined
        ? {
            IPAM: {
              Driver: 'default',
              Config: [
                {
                  Subnet: this.options.subnet,
                  ...(this.options.gateway ? { Gateway: this.options.gateway } : {}),
                },
              ],
            },
          }
        : {};
    const id = await createNetwork(runtime.client, {
      Name: name,
      Driver: this.options.driver ?? 'bridge',
      Internal: this.options.internal ?? false,
      EnableIPv6: this.options.enableIpv6 ?? false,
      Labels: { ...this.options.labels, ...runtime.session.labels },
      ...ipam,
    });
    return new StartedNetwork(runtime, id, name);
  }
}
