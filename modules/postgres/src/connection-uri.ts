/** What a client needs to connect; the shape `pg.Client` / `pg.Pool` accept. */
export interface PostgresConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * `postgres://user:password@host:port/database`, every part percent-encoded, so passwords with
 * `@`, `:`, `/` or `#` survive (a raw one breaks the URI: the classic "wrong password" that is not).
 */
export function connectionUri(config: PostgresConnectionConfig): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return (
    `postgres://${encodeURIComponent(config.user)}:${encodeURIComponent(config.password)}` +
    `@${host}:${config.port}/${encodeURIComponent(config.database)}`
  );
}
