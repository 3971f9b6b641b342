import type { EngineClient } from '../engine/engine-client.js';
import type { EngineExplanation } from '../engine/engine-explanation.js';
import type { WireImageInspect } from '../engine/wire-types.js';
import type { HostPortForwarders } from '../host/host-port-forwarder.js';
import type { ImageSubstitutor } from '../images/image-substitutor.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session/session.js';
import type { Clock } from '../util/clock.js';

/** What a runtime needs to exist; built by `createRuntime()`, or by hand in tests. */
export interface RuntimeParts {
  client: EngineClient;
  explanation: EngineExplanation;
  session: Session;
  logger: Logger;
  clock: Clock;
  /** What `getHost()` returns. */
  host: string;
  /** `HostIp` for published ports; `undefined` lets the engine choose (all interfaces). */
  publishHostIp: string | undefined;
  keepOnFailure: boolean;
  substituteImage: ImageSubstitutor;
  defaultNetwork: string | undefined;
  lockDir: string;
}

/**
 * The explicit context every container, network and build runs in: one engine client, one
 * session, the settings read from the environment. There is no hidden global: pass a runtime to
 * `withRuntime()`, or let `defaultRuntime` create one lazily (it can be replaced and reset).
 */
export class SkiffRuntime {
  readonly client: EngineClient;
  readonly explanation: EngineExplanation;
  readonly session: Session;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly host: string;
  readonly publishHostIp: string | undefined;
  readonly keepOnFailure: boolean;
  readonly substituteImage: ImageSubstitutor;
  readonly defaultNetwork: string | undefined;
  readonly lockDir: string;
  /** Images seen present, with their inspect (health check); saves an inspect per start. */
  readonly imageCache = new Map<string, WireImageInspect>();
  /** Ports of the test process containers may reach through `host.skiff.internal`. */
  readonly exposedHostPorts = new Set<number>();
  /** Forwarders that make loopback-only host ports reachable from containers; made on first use. */
  hostForwarders: HostPortForwarders | undefined;
  private readonly closers = new Set<() => Promise<void>>();
  private closed: Promise<void> | undefined;

  constructor(parts: RuntimeParts) {
    this.client = parts.client;
    this.explanation = parts.explanation;
    this.session = parts.session;
    this.logger = parts.logger;
    this.clock = parts.clock;
    this.host = parts.host;
    this.publishHostIp = parts.publishHostIp;
    this.keepOnFailure = parts.keepOnFailure;
    this.substituteImage = parts.substituteImage;
    this.defaultNetwork = parts.defaultNetwork;
    this.lockDir = parts.lockDir;
  }

  /** Lets containers started from now on reach these ports of the test process at `host.skiff.internal`. */
  exposeHostPorts(...ports: number[]): void {
    for (const port of ports) this.exposedHostPorts.add(port);
  }

  get engineKind(): EngineExplanation['kind'] {
    return this.explanation.kind;
  }

  /** Registers something to stop when the runtime closes (host-port forwarders, signal handlers). */
  onClose(fn: () => Promise<void>): () => void {
    this.closers.add(fn);
    return () => this.closers.delete(fn);
  }

  /**
   * Ends the session: the engine (or the reaper) removes what is left of it now, then the client
   * is closed. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const fn of [...this.closers].reverse()) await fn().catch(() => undefined);
      await this.session.close();
      await this.client.close();
    })();
    return this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
