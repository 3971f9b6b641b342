/** @skiff/postgres — PostgreSQL for tests on @skiff/core. */
export type { PostgresConnectionConfig } from './connection-uri.js';
export { DEFAULT_POSTGRES_IMAGE, POSTGRES_PORT } from './constants.js';
export {
  PostgresInitScriptError,
  PostgresSnapshotNotFoundError,
  PostgresTemplateInUseError,
  PsqlError,
} from './errors.js';
export { FreshDatabase } from './fresh-database.js';
export { PostgresReadyWaitStrategy } from './postgres-ready-wait-strategy.js';
export { PostgreSqlContainer } from './postgresql-container.js';
export {
  type CreateDatabaseOptions,
  type PostgresStartMode,
  type PsqlOptions,
  StartedPostgreSqlContainer,
} from './started-postgresql-container.js';
