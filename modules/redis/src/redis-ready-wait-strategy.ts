import { AbstractWaitStrategy, type WaitContext, WaitFailedError } from '@skiff/core';
import { Redis } from 'ioredis';

/** Replies that no amount of waiting changes: the password is wrong, or one is needed. */
const FINAL = /^(WRONGPASS|NOAUTH)/;

/**
 * Ready when a real client, from the host, authenticates (when a password is set) and `PING`
 * answers `PONG`. A server still loading its dataset answers `-LOADING`: not ready yet.
 */
export class RedisReadyWaitStrategy extends AbstractWaitStrategy {
  constructor(
    private readonly password: string | undefined,
    private readonly containerPort: number,
  ) {
    super();
  }

  describe(): string {
    return `redis readiness check: ${this.password ? 'AUTH, then ' : ''}PING on port ${this.containerPort} from the host, expecting PONG`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const port = ctx.boundPorts.getMappedPort(this.containerPort);
    await this.poll(
      ctx,
      async () => {
        const client = new Redis({
          host: ctx.host,
          port,
          password: this.password,
          lazyConnect: true,
          enableReadyCheck: false,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
          connectTimeout: 1_000,
        });
        let lastError: unknown;
        client.on('error', (err: unknown) => {
          lastError = err;
        });
        try {
          await client.connect();
          const reply = await client.ping();
          if (reply === 'PONG') {
            this.seen = `${ctx.host}:${port} answered PONG`;
            return true;
          }
          this.seen = `${ctx.host}:${port} answered ${JSON.stringify(reply)} to PING`;
          return false;
        } catch (err) {
          // An AUTH failure is emitted as an event; the command then only sees a closed connection.
          const messages = [lastError, err]
            .filter((e) => e !== undefined)
            .map((e) => (e instanceof Error ? e.message : String(e)));
          const message = messages.find((m) => FINAL.test(m)) ?? messages[0] ?? 'no answer';
          this.seen = `${ctx.host}:${port}: ${message}`;
          if (FINAL.test(message)) throw new WaitFailedError(this.describe(), message);
          return false;
        } finally {
          client.disconnect();
        }
      },
      10,
    );
  }
}
