import { AbstractWaitStrategy, type WaitContext, WaitFailedError } from '@skiff/core';
import pg from 'pg';
import { SqlState } from './constants.js';

export interface PostgresCredentials {
  user: string;
  password: string;
  database: string;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.message} (${code})` : err.message;
}

/**
 * Ready when a real client, from the host, logs in with the configured credentials to the
 * configured database and `SELECT 1` answers. Log lines would lie: the official entrypoint's
 * init server prints "ready to accept connections" too; it listens on no TCP address, so it never
 * passes this check. A wrong password is final (the init server is gone by then): it fails at once.
 */
export class PostgresReadyWaitStrategy extends AbstractWaitStrategy {
  constructor(
    private readonly credentials: PostgresCredentials,
    private readonly containerPort: number,
  ) {
    super();
  }

  describe(): string {
    const { user, database } = this.credentials;
    return (
      `postgres readiness check: log in as ${JSON.stringify(user)} to database ${JSON.stringify(database)} ` +
      `on port ${this.containerPort} from the host and run SELECT 1`
    );
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const port = ctx.boundPorts.getMappedPort(this.containerPort);
    await this.poll(
      ctx,
      async () => {
        const client = new pg.Client({
          host: ctx.host,
          port,
          ...this.credentials,
          connectionTimeoutMillis: 2_000,
        });
        // A failure while idle is emitted, not thrown: without a listener it would crash the process.
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('SELECT 1');
          this.seen = `${ctx.host}:${port} answered SELECT 1`;
          return true;
        } catch (err) {
          this.seen = `${ctx.host}:${port}: ${describeError(err)}`;
          if ((err as { code?: unknown }).code === SqlState.InvalidPassword) {
            throw new WaitFailedError(
              this.describe(),
              `the server rejected the password for ${JSON.stringify(this.credentials.user)} ` +
                `(${describeError(err)}); an image that keeps its own data directory ignores POSTGRES_PASSWORD`,
            );
          }
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      10,
    );
  }
}
