import path from 'node:path';
import {
  ContainerStartError,
  GenericContainer,
  InvalidArgumentError,
  PullPolicy,
  resolveImage,
  type SkiffRuntime,
  type StartedGenericContainer,
  withFileLock,
} from '@skiff/core';
import {
  DEFAULT_CREDENTIAL,
  DEFAULT_INITDB_ARGS,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_POSTGRES_STARTUP_TIMEOUT_MS,
  Env,
  IMAGE_DATA_DIR,
  POSTGRES_PORT,
  TEST_SETTINGS,
  WARM_DATA_DIR,
} from './constants.js';
import { PostgresInitScriptError } from './errors.js';
import { describeInitScriptFailure, findInitScriptFailure } from './init-script-failure.js';
import { type InitScriptSource, type PreparedInitScript, prepareInitScripts } from './init-scripts.js';
import { PostgresReadyWaitStrategy } from './postgres-ready-wait-strategy.js';
import { StartedPostgreSqlContainer } from './started-postgresql-container.js';
import { commitWarmImage, warmImageRef, warmKey } from './warm-start.js';

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * PostgreSQL for tests (`@testcontainers/postgresql`'s API and more): credentials, init scripts
 * run in order like `/docker-entrypoint-initdb.d`, server settings, test-friendly defaults
 * (no fsync, no full-page writes, asynchronous commit), readiness by `SELECT 1` from the host, and
 * warm starts: the data directory an image and configuration produce is committed once to a local
 * image, so later starts skip `initdb` and the init scripts.
 */
export class PostgreSqlContainer extends GenericContainer {
  private database = DEFAULT_CREDENTIAL;
  private username = DEFAULT_CREDENTIAL;
  private password = DEFAULT_CREDENTIAL;
  private readonly initScripts: InitScriptSource[] = [];
  private readonly settings: Record<string, string> = { ...TEST_SETTINGS };
  private warmStart = true;
  private ownCommand: string[] | undefined;
  private readonly image: string;
  /** Copies this module added to the request at the last start (removed before the next). */
  private addedCopies: ReadonlySet<object> = new Set();

  constructor(image = DEFAULT_POSTGRES_IMAGE) {
    super(image);
    this.image = image;
    this.withExposedPorts(POSTGRES_PORT).withStartupTimeout(DEFAULT_POSTGRES_STARTUP_TIMEOUT_MS);
  }

  withDatabase(database: string): this {
    this.database = nonEmpty(database, 'database');
    return this;
  }

  withUsername(username: string): this {
    this.username = nonEmpty(username, 'username');
    return this;
  }

  withPassword(password: string): this {
    this.password = nonEmpty(password, 'password');
    return this;
  }

  /** SQL (`.sql`, `.sql.gz`…) or shell (`.sh`) files from the host, run in the order given. */
  withInitScript(...paths: string[]): this {
    for (const p of paths) this.initScripts.push({ kind: 'file', path: path.resolve(p) });
    return this;
  }

  /** SQL text run as an init script, in order with the files; `name` shows up in errors. */
  withInitSql(sql: string, name = `init-${this.initScripts.length + 1}.sql`): this {
    this.initScripts.push({ kind: 'sql', name, sql });
    return this;
  }

  /** A server setting, passed as `-c key=value` (overrides the test defaults too). */
  withSetting(key: string, value: string | number | boolean): this {
    if (!SETTING_NAME.test(key))
      throw new InvalidArgumentError(`${JSON.stringify(key)} is not a PostgreSQL setting name`);
    this.settings[key] = String(value);
    return this;
  }

  withSettings(settings: Record<string, string | number | boolean>): this {
    for (const [k, v] of Object.entries(settings)) this.withSetting(k, v);
    return this;
  }

  /**
   * Warm starts (default on): the first start of an image and configuration commits its
   * initialised data directory to `skiff.local/postgres-warm:<hash>`; later starts, in any process,
   * use it and skip `initdb` and the init scripts. Off: every start runs `initdb`, data on tmpfs.
   */
  withWarmStart(enabled = true): this {
    this.warmStart = enabled;
    return this;
  }

  /** Replaces the server command line entirely (the module's settings are then not applied). */
  override withCommand(command: string[]): this {
    this.ownCommand = [...command];
    return super.withCommand(command);
  }

  override async start(): Promise<StartedPostgreSqlContainer> {
    const scripts = await prepareInitScripts(this.initScripts);
    this.request.command = this.ownCommand ?? [
      'postgres',
      ...Object.entries(this.settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ];
    const env = this.request.environment;
    Object.assign(env, {
      [Env.User]: this.username,
      [Env.Password]: this.password,
      [Env.Database]: this.database,
    });
    env[Env.InitdbArgs] ??= DEFAULT_INITDB_ARGS;
    this.request.waitStrategy ??= new PostgresReadyWaitStrategy(
      { user: this.username, password: this.password, database: this.database },
      POSTGRES_PORT,
    );
    const userDataDir = env[Env.DataDir] !== undefined && env[Env.DataDir] !== WARM_DATA_DIR;
    const warm = this.warmStart && !userDataDir && !this.request.reuse;
    if (!warm) {
      // A builder started warm before keeps the variable it set then: the image's default applies.
      if (env[Env.DataDir] === WARM_DATA_DIR) delete env[Env.DataDir];
      if (!userDataDir) this.request.tmpfs[IMAGE_DATA_DIR] ??= 'rw,mode=0700';
      return this.wrap(await this.startWith(scripts), 'cold');
    }
    // Outside the image's VOLUME, so that a commit captures it.
    env[Env.DataDir] = WARM_DATA_DIR;
    return this.startWarmOrCold(scripts, await this.getRuntime());
  }

  private async startWarmOrCold(
    scripts: PreparedInitScript[],
    runtime: SkiffRuntime,
  ): Promise<StartedPostgreSqlContainer> {
    const base = await resolveImage(this.image, {
      runtime,
      policy: this.request.pullPolicy,
      platform: this.request.platform,
    });
    if (!base) throw new Error(`resolveImage returned nothing for ${this.image}`);
    const key = warmKey({
      baseImageId: base.id,
      environment: this.request.environment,
      command: this.request.command ?? [],
      entrypoint: this.request.entrypoint,
      user: this.request.user,
      scripts,
    });
    const { ref } = warmImageRef(key);
    const exists = async () =>
      (await resolveImage(ref, { runtime, pull: false, substitute: false })) !== undefined;
    if (await exists()) return this.wrap(await this.startFromWarmImage(ref), 'warm');
    // One process per machine initialises a configuration and commits it; the others wait for the
    // image instead of running initdb beside it on the same CPUs.
    const lock = path.join(runtime.lockDir, `postgres-warm-${key.slice(0, 32)}.lock`);
    const made = await withFileLock(
      lock,
      async () => {
        if (await exists()) return 'found';
        const template = await this.startWith(scripts);
        try {
          await commitWarmImage(template, WARM_DATA_DIR, key, base.id);
          return 'made';
        } catch (err) {
          // The cache is an optimisation: a failed commit must not fail the test.
          runtime.logger.warn(
            { err, image: ref },
            'could not save the postgres warm image; starting without it',
          );
          return 'failed';
        } finally {
          await template.stop().catch(() => undefined);
        }
      },
      { timeoutMs: this.request.startupTimeoutMs ?? DEFAULT_POSTGRES_STARTUP_TIMEOUT_MS },
    );
    if (made === 'failed') return this.wrap(await this.startWith(scripts), 'cold');
    return this.wrap(await this.startFromWarmImage(ref), made === 'made' ? 'cold' : 'warm');
  }

  /**
   * Starts from the committed image; its data directory (and init scripts) are already there. When
   * the module owns the command line, the server runs directly as `postgres`: the entrypoint would
   * only re-check ownership of every data file and re-exec itself through gosu before starting it.
   */
  private async startFromWarmImage(ref: string): Promise<StartedGenericContainer> {
    const saved = { ...this.request };
    this.request.image = ref;
    this.request.pullPolicy = PullPolicy.defaultPolicy();
    const command = this.request.command ?? [];
    if (!this.ownCommand && !saved.entrypoint && !saved.user && command[0] === 'postgres') {
      this.request.entrypoint = ['postgres'];
      this.request.command = command.slice(1);
      this.request.user = 'postgres';
    }
    try {
      return await this.startWith([]);
    } finally {
      Object.assign(this.request, {
        image: saved.image,
        pullPolicy: saved.pullPolicy,
        entrypoint: saved.entrypoint,
        command: saved.command,
        user: saved.user,
      });
    }
  }

  private async startWith(scripts: PreparedInitScript[]): Promise<StartedGenericContainer> {
    const copies = scripts.map((s) => ({ content: s.content, target: s.target, mode: s.mode }));
    const contents = this.request.contentsToCopy.filter((c) => !this.addedCopies.has(c));
    this.request.contentsToCopy = [...contents, ...copies];
    this.addedCopies = new Set(copies);
    try {
      return await super.start();
    } catch (err) {
      if (err instanceof ContainerStartError && scripts.length > 0) {
        const failure = findInitScriptFailure(err.details.logTail, scripts);
        if (failure) {
          throw new PostgresInitScriptError(
            describeInitScriptFailure(failure, scripts.length),
            failure.script.label,
            failure.line,
            failure.sqlError[0] ?? '',
            { cause: err },
          );
        }
      }
      throw err;
    }
  }

  private wrap(started: StartedGenericContainer, mode: 'cold' | 'warm'): StartedPostgreSqlContainer {
    return new StartedPostgreSqlContainer(started, this.database, this.username, this.password, mode);
  }
}

function nonEmpty(value: string, what: string): string {
  if (value.length === 0) throw new InvalidArgumentError(`the postgres ${what} cannot be empty`);
  return value;
}
