import { connectionUri, type PostgresConnectionConfig } from './connection-uri.js';

/**
 * A database made for one test by `createDatabase()`: connect with `uri` or `config`, and drop it
 * when done (`await using db = await pg.createDatabase()` drops it at the end of the block).
 */
export class FreshDatabase {
  constructor(
    readonly name: string,
    readonly config: PostgresConnectionConfig,
    private readonly dropper: (name: string) => Promise<void>,
  ) {}

  /** `postgres://user:password@host:port/<name>`. */
  get uri(): string {
    return connectionUri(this.config);
  }

  /** Drops the database, ending any sessions still connected to it. Idempotent. */
  drop(): Promise<void> {
    return this.dropper(this.name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drop();
  }
}
