import { randomBytes } from 'node:crypto';
import { AbstractStartedContainer, InvalidArgumentError, type StartedGenericContainer } from '@skiff/core';
import { AdminConnection } from './admin-connection.js';
import { connectionUri, type PostgresConnectionConfig } from './connection-uri.js';
import { DEFAULT_SNAPSHOT_NAME, POSTGRES_PORT, SqlState } from './constants.js';
import { PostgresSnapshotNotFoundError, PostgresTemplateInUseError, PsqlError } from './errors.js';
import { FreshDatabase } from './fresh-database.js';
import { SpareDatabases } from './spare-databases.js';
import { quoteIdent } from './sql-identifiers.js';

/**
 * How `start()` got the data directory: `cold` ran `initdb` and the init scripts during this start
 * (and, with warm starts on, saved the result), `warm` used a warm image made earlier.
 */
export type PostgresStartMode = 'cold' | 'warm';

export interface CreateDatabaseOptions {
  /** Default: `test_<random>`. */
  name?: string;
  /** Database to clone. Default: the last snapshot this handle took, else the configured database. */
  template?: string;
}

export interface PsqlOptions {
  /** Default: the configured database. */
  database?: string;
  /** Default: the configured user. */
  user?: string;
  /** Extra psql flags, e.g. `['-At']` for bare values. */
  flags?: string[];
}

function freshName(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A running PostgreSQL server: where it is, how to log in, and the tools tests reset state with —
 * snapshots, fresh databases cloned from a template, and `psql` in the container.
 */
export class StartedPostgreSqlContainer extends AbstractStartedContainer {
  private snapshotName = DEFAULT_SNAPSHOT_NAME;
  private lastSnapshot: string | undefined;
  private readonly admin: AdminConnection;
  private readonly spares: SpareDatabases;
  /** Snapshots this handle took: their spares can be cloned ahead. */
  private readonly snapshots = new Set<string>();
  private versionNum: Promise<number> | undefined;

  constructor(
    startedContainer: StartedGenericContainer,
    private readonly database: string,
    private readonly username: string,
    private readonly password: string,
    readonly startMode: PostgresStartMode,
  ) {
    super(startedContainer);
    this.admin = new AdminConnection(() => this.getConnectionConfig(this.maintenanceDatabase()));
    this.spares = new SpareDatabases(
      (name, template) => this.clone(name, template),
      (name) => this.dropDatabaseNamed(name),
      freshName,
    );
  }

  getPort(): number {
    return this.getMappedPort(POSTGRES_PORT);
  }

  getDatabase(): string {
    return this.database;
  }

  getUsername(): string {
    return this.username;
  }

  getPassword(): string {
    return this.password;
  }

  /** `postgres://user:password@host:port/database`, percent-encoded. */
  getConnectionUri(database = this.database): string {
    return connectionUri(this.getConnectionConfig(database));
  }

  /** `{ host, port, user, password, database }`, for `new pg.Client(...)` or `new pg.Pool(...)`. */
  getConnectionConfig(database = this.database): PostgresConnectionConfig {
    return {
      host: this.getHost(),
      port: this.getPort(),
      user: this.username,
      password: this.password,
      database,
    };
  }

  /** The default name for `snapshot()` and `restoreSnapshot()` (testcontainers': `migrated_template`). */
  withSnapshotName(name: string): this {
    this.snapshotName = name;
    return this;
  }

  /**
   * Copies the database into a template named `name` (replacing an older one), to return to with
   * `restoreSnapshot()` or clone with `createDatabase()`. PostgreSQL copies only an idle database:
   * close your connections to it first.
   */
  async snapshot(name = this.snapshotName): Promise<void> {
    this.checkSnapshotName(name);
    const snap = quoteIdent(name);
    this.snapshots.delete(name);
    await this.spares.discard(name);
    await this.dropDatabaseNamed(name);
    await this.clone(name, this.database);
    await this.admin.query(`ALTER DATABASE ${snap} WITH is_template = true`);
    this.lastSnapshot = name;
    this.snapshots.add(name);
    this.spares.refill(name);
  }

  /**
   * Puts the database back to the snapshot: drops it (ending every session connected to it, so
   * pools see their connections closed) and clones the snapshot under its name.
   */
  async restoreSnapshot(name = this.snapshotName): Promise<void> {
    this.checkSnapshotName(name);
    if (!(await this.databaseExists(name))) throw new PostgresSnapshotNotFoundError(name);
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(this.database)} WITH (FORCE)`);
    await this.clone(this.database, name);
  }

  /**
   * A new database cloned from a template — in milliseconds, without a new container — for one
   * test or one test file. Drop it with `drop()` (or `await using`).
   */
  async createDatabase(options: CreateDatabaseOptions = {}): Promise<FreshDatabase> {
    const template = options.template ?? this.lastSnapshot ?? this.database;
    if (options.name === template)
      throw new InvalidArgumentError(`database ${JSON.stringify(options.name)} cannot be its own template`);
    let name: string | undefined;
    if (this.snapshots.has(template)) {
      // A snapshot's spare was cloned ahead: hand it out (renamed if a name was asked for).
      const spare = await this.spares.take(template);
      this.spares.refill(template);
      if (spare && options.name && options.name !== spare) {
        await this.admin.query(`ALTER DATABASE ${quoteIdent(spare)} RENAME TO ${quoteIdent(options.name)}`);
      }
      if (spare) name = options.name ?? spare;
    }
    if (name === undefined) {
      name = options.name ?? freshName();
      await this.clone(name, template);
    }
    return new FreshDatabase(name, this.getConnectionConfig(name), (n) => this.dropDatabaseNamed(n));
  }

  /** Drops a database, ending the sessions connected to it. No error when it does not exist. */
  async dropDatabase(name: string): Promise<void> {
    if (name === this.database)
      throw new InvalidArgumentError(`refusing to drop the configured database ${JSON.stringify(name)}`);
    await this.dropDatabaseNamed(name);
  }

  /**
   * Runs SQL with `psql` inside the container (over its unix socket) and returns what psql printed.
   * Stops at the first error (`ON_ERROR_STOP`) and throws `PsqlError` with psql's message.
   */
  async psql(sql: string, options: PsqlOptions = {}): Promise<string> {
    const result = await this.exec(
      [
        'psql',
        '-X',
        '-v',
        'ON_ERROR_STOP=1',
        '-U',
        options.user ?? this.username,
        '-d',
        options.database ?? this.database,
        ...(options.flags ?? []),
        '-c',
        sql,
      ],
      { env: { PGPASSWORD: this.password } },
    );
    if (result.exitCode !== 0) throw new PsqlError(result.exitCode, result.stdout, result.stderr);
    return result.stdout;
  }

  override async restart(options: { timeout?: number } = {}): Promise<void> {
    await this.admin.close();
    await super.restart(options);
  }

  protected override async containerStopping(): Promise<void> {
    await this.admin.close();
  }

  /** The database the handle's own connection sits on; never one it drops or clones. */
  private maintenanceDatabase(): string {
    return this.database === 'postgres' ? 'template1' : 'postgres';
  }

  private checkSnapshotName(name: string): void {
    if (name === this.database || name === this.maintenanceDatabase() || name === 'template0') {
      throw new InvalidArgumentError(
        `snapshot name ${JSON.stringify(name)} is taken by a database the snapshot needs; choose another`,
      );
    }
  }

  private async databaseExists(name: string): Promise<boolean> {
    const res = await this.admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return res.rowCount !== null && res.rowCount > 0;
  }

  private async serverVersion(): Promise<number> {
    this.versionNum ??= this.admin
      .query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version_num'])
      .then((r) => Number(r.rows[0]?.v ?? 0));
    return this.versionNum.catch((err: unknown) => {
      this.versionNum = undefined;
      throw err;
    });
  }

  private async otherSessions(database: string): Promise<number> {
    const res = await this.admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  private async clone(name: string, template: string): Promise<void> {
    // Checked first: with a busy source, CREATE DATABASE waits 5 s for the sessions to leave.
    const busy = await this.otherSessions(template);
    if (busy > 0) throw new PostgresTemplateInUseError(template, busy);
    try {
      // PostgreSQL 15 copies through the WAL by default; copying the files is faster for the small
      // databases tests use (its checkpoints are cheap without fsync).
      const strategy = (await this.serverVersion()) >= 150000 ? ' STRATEGY = FILE_COPY' : '';
      await this.admin.query(
        `CREATE DATABASE ${quoteIdent(name)} WITH TEMPLATE ${quoteIdent(template)} ` +
          `OWNER ${quoteIdent(this.username)}${strategy}`,
      );
    } catch (err) {
      const state = sqlState(err);
      if (state === SqlState.ObjectInUse) {
        const sessions = await this.otherSessions(template).catch(() => 1);
        throw new PostgresTemplateInUseError(template, Math.max(sessions, 1), { cause: err });
      }
      if (state === SqlState.InvalidCatalogName && !(await this.databaseExists(template)))
        throw new PostgresSnapshotNotFoundError(template);
      throw err;
    }
  }

  private async dropDatabaseNamed(name: string): Promise<void> {
    if (this.snapshots.delete(name)) await this.spares.discard(name);
    const ident = quoteIdent(name);
    // A template cannot be dropped; clear the flag first (on a missing database that fails: fine).
    await this.admin.query(`ALTER DATABASE ${ident} WITH is_template = false`).catch((err: unknown) => {
      if (sqlState(err) !== SqlState.InvalidCatalogName) throw err;
    });
    await this.admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
  }
}
