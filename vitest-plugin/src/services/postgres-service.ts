import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { PostgreSqlContainer, StartedPostgreSqlContainer } from '@skiff/postgres';
import { checkOptions } from './check-options.js';
import {
  type ContainerPlacement,
  dependenciesOf,
  PLACEMENT_OPTIONS,
  placeContainer,
} from './container-parts.js';
import { SERVICE_BRAND, type ServiceDefinition, type ServiceInfoBase } from './service-definition.js';
import { ServiceConfigError } from './service-errors.js';

export interface PostgresServiceOptions extends ContainerPlacement {
  /** Default: `@skiff/postgres`'s (`postgres:15`). */
  image?: string;
  database?: string;
  username?: string;
  password?: string;
  /** SQL or shell files run at initialisation, in order; relative paths resolve against the project root. */
  initScripts?: string[];
  /** SQL run at initialisation, after the files. */
  initSql?: string | string[];
  /** Server settings (`-c key=value`). */
  settings?: Record<string, string | number | boolean>;
  /** Reuse the initialised data directory of an earlier start (default true; see `@skiff/postgres`). */
  warmStart?: boolean;
  startupTimeout?: number;
  /** Anything else: receives the module's container builder before it starts. */
  configure?: (container: PostgreSqlContainer) => PostgreSqlContainer | undefined;
}

/** What tests get for a `postgres()` service. */
export interface PostgresServiceInfo extends ServiceInfoBase {
  kind: 'postgres';
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  /** `postgres://user:password@host:port/database`, from the test process. */
  uri: string;
  /** The same from another container on the service's network (by service name), when it has one. */
  internalUri: string | undefined;
  containerId: string;
}

/** A database of its own for one test file (or worker), made by the `createDatabase` action. Plain data. */
export interface FreshDatabaseInfo {
  database: string;
  uri: string;
  host: string;
  port: number;
  username: string;
  password: string;
}

/** The template fresh databases are cloned from: the database right after initialisation. */
export const FRESH_TEMPLATE = 'skiff_fresh_template';

const KNOWN = [
  'image',
  'database',
  'username',
  'password',
  'initScripts',
  'initSql',
  'settings',
  'warmStart',
  'startupTimeout',
  'configure',
  ...PLACEMENT_OPTIONS,
] as const;

function freshName(prefix: unknown): string {
  const clean =
    typeof prefix === 'string'
      ? prefix
          .toLowerCase()
          .replace(/[^a-z0-9_]/g, '_')
          .slice(0, 20)
      : '';
  return `test_${clean ? `${clean}_` : ''}${randomBytes(5).toString('hex')}`;
}

/**
 * A PostgreSQL service (`@skiff/postgres`). Right after it is ready, its database is copied into a
 * template, so `createDatabase` (the per-file fixture) clones the initialised schema even while tests
 * hold connections to the main database.
 */
export function postgres(options: PostgresServiceOptions = {}): ServiceDefinition<PostgresServiceInfo> {
  checkOptions('postgres', options, KNOWN);
  if (
    options.initSql !== undefined &&
    typeof options.initSql !== 'string' &&
    !Array.isArray(options.initSql)
  ) {
    throw new ServiceConfigError('postgres(): initSql must be SQL text or an array of SQL texts');
  }
  const settings = { ...options };
  return {
    [SERVICE_BRAND]: true,
    kind: 'postgres',
    describe: settings.image ?? 'postgres (the module default image)',
    dependsOn: dependenciesOf(settings),
    network: settings.network,
    fixedHostPorts: [],
    async start(context) {
      const { PostgreSqlContainer } = await import('@skiff/postgres');
      let builder = new PostgreSqlContainer(settings.image).withRuntime(context.runtime);
      if (settings.database) builder = builder.withDatabase(settings.database);
      if (settings.username) builder = builder.withUsername(settings.username);
      if (settings.password) builder = builder.withPassword(settings.password);
      if (settings.initScripts?.length)
        builder = builder.withInitScript(...settings.initScripts.map((p) => path.resolve(context.root, p)));
      for (const sql of [settings.initSql ?? []].flat()) builder = builder.withInitSql(sql);
      if (settings.settings) builder = builder.withSettings(settings.settings);
      if (settings.warmStart !== undefined) builder = builder.withWarmStart(settings.warmStart);
      if (settings.startupTimeout) builder = builder.withStartupTimeout(settings.startupTimeout);
      placeContainer(builder, settings, context);
      builder = settings.configure?.(builder) ?? builder;
      const started = await builder.start();
      try {
        await started.snapshot(FRESH_TEMPLATE);
      } catch (err) {
        await started.stop().catch(() => undefined);
        throw err;
      }
      return {
        info: postgresInfo(started, context.name, settings.network),
        actions: {
          createDatabase: async (args) =>
            freshDatabaseInfo(await started.createDatabase({ name: freshName(args.prefix) })),
          dropDatabase: async (args) => {
            if (typeof args.database !== 'string')
              throw new ServiceConfigError('dropDatabase needs { database }');
            await started.dropDatabase(args.database);
            return null;
          },
        },
        stop: async () => {
          await started.stop();
        },
      };
    },
  };
}

function postgresInfo(
  started: StartedPostgreSqlContainer,
  name: string,
  network: string | undefined,
): PostgresServiceInfo {
  const internal = new URL(started.getConnectionUri());
  internal.hostname = name;
  internal.port = '5432';
  return {
    kind: 'postgres',
    host: started.getHost(),
    port: started.getPort(),
    database: started.getDatabase(),
    username: started.getUsername(),
    password: started.getPassword(),
    uri: started.getConnectionUri(),
    internalUri: network ? internal.toString() : undefined,
    containerId: started.getId(),
  };
}

function freshDatabaseInfo(db: {
  name: string;
  uri: string;
  config: { host: string; port: number; user: string; password: string };
}): FreshDatabaseInfo {
  return {
    database: db.name,
    uri: db.uri,
    host: db.config.host,
    port: db.config.port,
    username: db.config.user,
    password: db.config.password,
  };
}
