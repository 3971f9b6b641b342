import type { IncomingMessage } from 'node:http';
import { Label, SessionRoutes } from '../constants.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { Logger } from '../logger.js';
import type { Session } from './session.js';
import { sessionLabels } from './session-labels.js';

function ownerLabels(): Record<string, string> {
  const labels = sessionLabels('');
  return {
    [Label.SessionPid]: labels[Label.SessionPid] ?? '',
    [Label.SessionHost]: labels[Label.SessionHost] ?? '',
  };
}

/**
 * The client side of skiffd's session protocol (core/SESSIONS.md): register, then hold one
 * `keepalive` request open on an unref'd socket for as long as this process lives. When the socket
 * closes — exit, crash, SIGKILL — the engine waits the grace period and removes the session.
 */
export class EngineSession implements Session {
  readonly mode = 'engine' as const;
  readonly labels: Readonly<Record<string, string>>;
  private keepalive: IncomingMessage | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly client: EngineClient,
    readonly id: string,
    private readonly logger: Logger,
  ) {
    this.labels = sessionLabels(id);
  }

  /** Registers a session and opens its keepalive; `undefined` when the engine has no such protocol. */
  static async open(
    client: EngineClient,
    graceMs: number,
    logger: Logger,
  ): Promise<EngineSession | undefined> {
    let created: { Id: string };
    try {
      created = await client.json<{ Id: string }>('POST', SessionRoutes.create, {
        versioned: false,
        body: { GraceMs: graceMs, Labels: ownerLabels() },
      });
    } catch (err) {
      logger.debug({ err }, 'engine has no session protocol');
      return undefined;
    }
    const session = new EngineSession(client, created.Id, logger.child({ session: created.Id }));
    await session.connect();
    return session;
  }

  private async connect(): Promise<void> {
    const res = await this.client.follow(SessionRoutes.keepalive(this.id), undefined, { versioned: false });
    this.keepalive = res;
    res.resume();
    res.once('close', () => {
      if (this.closing) return;
      // The engine went away or dropped us: reconnect while the session is inside its grace period.
      this.logger.warn({}, 'session keepalive closed; reconnecting');
      setTimeout(() => {
        this.connect().catch((err: unknown) => this.logger.error({ err }, 'session keepalive lost'));
      }, 100).unref();
    });
  }

  async reapNow(): Promise<void> {
    await this.client.call('DELETE', SessionRoutes.remove(this.id), { versioned: false, accept: [404] });
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      try {
        await this.reapNow();
      } finally {
        this.keepalive?.destroy();
      }
    })();
    return this.closed;
  }
}
