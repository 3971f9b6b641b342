import pg from 'pg';
import type { PostgresConnectionConfig } from './connection-uri.js';

/** SQLSTATE-bearing errors come from the server; anything else means the connection is unusable. */
function isServerError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * One connection for the handle's own statements (snapshots, fresh databases), opened on first
 * use and kept, so each operation costs a round trip instead of a login. A connection that broke
 * (server restarted, container stopped) is dropped and the next call opens a new one.
 */
export class AdminConnection {
  private client: Promise<pg.Client> | undefined;

  constructor(private readonly config: () => PostgresConnectionConfig) {}

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.connect();
    try {
      return await client.query<R>(sql, values);
    } catch (err) {
      if (!isServerError(err)) await this.close();
      throw err;
    }
  }

  private connect(): Promise<pg.Client> {
    if (!this.client) {
      const client = new pg.Client({ ...this.config(), connectionTimeoutMillis: 10_000 });
      client.on('error', () => {
        if (this.client === opening) this.client = undefined;
      });
      const opening = client.connect().then(
        () => client,
        (err: unknown) => {
          if (this.client === opening) this.client = undefined;
          throw err;
        },
      );
      this.client = opening;
    }
    return this.client;
  }

  async close(): Promise<void> {
    const current = this.client;
    this.client = undefined;
    const client = await current?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }
}
