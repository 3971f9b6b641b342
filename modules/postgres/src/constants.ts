/** Magic strings and defaults of `@skiff/postgres`, in one place. */

/** The official image name; tests get the stand-in through the registry mirror. */
export const DEFAULT_POSTGRES_IMAGE = 'postgres:15';
export const POSTGRES_PORT = 5432;
export const DEFAULT_CREDENTIAL = 'test';
export const DEFAULT_SNAPSHOT_NAME = 'migrated_template';
/** initdb plus init scripts can take a while on a loaded machine. */
export const DEFAULT_POSTGRES_STARTUP_TIMEOUT_MS = 120_000;

/** Where the official images run init scripts from, in name order. */
export const INITDB_DIR = '/docker-entrypoint-initdb.d';
/** The official image's data directory; it is a VOLUME there, so `commit` does not capture it. */
export const IMAGE_DATA_DIR = '/var/lib/postgresql/data';
/** The data directory when warm starts are on: outside the VOLUME, so a commit keeps it. */
export const WARM_DATA_DIR = '/var/lib/postgresql/skiff-data';

/**
 * Server settings for tests: no durability work (the data is thrown away anyway), and listening on
 * every interface, which the official image sets in its sample config but a plain server does not.
 */
export const TEST_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '*',
  fsync: 'off',
  full_page_writes: 'off',
  synchronous_commit: 'off',
};

/**
 * initdb flags unless `POSTGRES_INITDB_ARGS` is set: no final fsync of every file (wasted on a
 * throwaway server), and 1 MB WAL segments instead of 16 MB (less to write at initdb, and less to
 * copy up from a warm image's layer on the first write).
 */
export const DEFAULT_INITDB_ARGS = '--no-sync --wal-segsize=1';

/** The official image's variables. */
export const Env = {
  User: 'POSTGRES_USER',
  Password: 'POSTGRES_PASSWORD',
  Database: 'POSTGRES_DB',
  InitdbArgs: 'POSTGRES_INITDB_ARGS',
  DataDir: 'PGDATA',
} as const;

/** Committed warm images: `<repo>:<key>`; the registry-style prefix keeps mirrors from rewriting it. */
export const WARM_IMAGE_REPO = 'skiff.local/postgres-warm';
/** Bumped when what a warm image holds changes shape, so old ones are not used. */
export const WARM_FORMAT = '1';

export const Label = {
  WarmKey: 'dev.skiff.postgres.warm-key',
  WarmBaseImage: 'dev.skiff.postgres.base-image',
} as const;

/** PostgreSQL SQLSTATE codes the module reacts to. */
export const SqlState = {
  InvalidPassword: '28P01',
  ObjectInUse: '55006',
  DuplicateDatabase: '42P04',
  InvalidCatalogName: '3D000',
} as const;
