import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ContainerStartError,
  GenericContainer,
  InvalidArgumentError,
  type StartedGenericContainer,
} from '@skiff/core';
import { Redis } from 'ioredis';
import { connectionUrl } from './connection-url.js';
import {
  DATA_DIR,
  DEFAULT_REDIS_IMAGE,
  DEFAULT_REDIS_STARTUP_TIMEOUT_MS,
  REDIS_PORT,
  REDIS_STACK_ARGS_ENV,
} from './constants.js';
import { RedisInitialDataError, RedisScriptSyntaxError } from './errors.js';
import { RedisReadyWaitStrategy } from './redis-ready-wait-strategy.js';
import { parseScript, type ScriptCommand } from './redis-script.js';
import { StartedRedisContainer } from './started-redis-container.js';

/** A file of redis-cli commands, or the commands themselves. */
export type RedisInitialData = string | { script: string; name?: string };

/**
 * Redis for tests (`@testcontainers/redis`'s API): password, persistence, initial data loaded
 * from the host with a real client (no shell needed in the image), readiness by `PING` (after
 * AUTH) from the host. Without persistence the server saves nothing (`--save ""`).
 */
export class RedisContainer extends GenericContainer {
  private password: string | undefined;
  private persistenceDir: string | undefined;
  private readonly initialData: RedisInitialData[] = [];
  private ownCommand: string[] | undefined;
  private readonly image: string;

  constructor(image = DEFAULT_REDIS_IMAGE) {
    super(image);
    this.image = image;
    this.withExposedPorts(REDIS_PORT).withStartupTimeout(DEFAULT_REDIS_STARTUP_TIMEOUT_MS);
  }

  /** `--requirepass`: clients must AUTH. */
  withPassword(password: string): this {
    if (password.length === 0) throw new InvalidArgumentError('the redis password cannot be empty');
    this.password = password;
    return this;
  }

  /**
   * Keeps the data in `hostDir` (bind-mounted on `/data`) with RDB saves every second and the
   * append-only file, so a new container on the same directory sees it.
   */
  withPersistence(hostDir: string): this {
    this.persistenceDir = path.resolve(hostDir);
    return this;
  }

  /** Commands run after start, one per line as `redis-cli` reads them: a file path or `{ script }`. */
  withInitialData(data: RedisInitialData): this {
    this.initialData.push(data);
    return this;
  }

  /** Replaces the server command line entirely (password and persistence flags are then not added). */
  override withCommand(command: string[]): this {
    this.ownCommand = [...command];
    return super.withCommand(command);
  }

  override async start(): Promise<StartedRedisContainer> {
    const scripts = await Promise.all(this.initialData.map(loadScript));
    if (this.persistenceDir) {
      this.request.bindMounts = [
        ...this.request.bindMounts.filter((b) => b.target !== DATA_DIR),
        { source: this.persistenceDir, target: DATA_DIR, mode: 'rw' },
      ];
    }
    this.request.waitStrategy ??= new RedisReadyWaitStrategy(this.password, REDIS_PORT);
    // Nothing on disk to hand over to the redis user: the entrypoint would only chown an empty
    // /data and re-exec itself through gosu, so the server starts directly as `redis` — unless
    // the image has no such user, then through its entrypoint after all.
    const direct =
      !this.ownCommand &&
      !this.persistenceDir &&
      !this.request.entrypoint &&
      !this.request.user &&
      !this.image.includes('redis-stack');
    let started: StartedGenericContainer;
    try {
      started = await this.startServer(direct);
    } catch (err) {
      if (!direct || !(err instanceof ContainerStartError) || !MISSING_USER.test(err.message)) throw err;
      started = await this.startServer(false);
    }
    try {
      for (const script of scripts) await runScript(started, this.password, script);
    } catch (err) {
      await started.stop().catch(() => undefined);
      throw err;
    }
    return new StartedRedisContainer(started, this.password);
  }

  private async startServer(direct: boolean): Promise<StartedGenericContainer> {
    const args = [
      // The official image turns protected mode off at build time; a plain server needs the flag
      // to answer connections that arrive through the engine's port proxy.
      '--protected-mode',
      'no',
      ...(this.password ? ['--requirepass', this.password] : []),
      ...(this.persistenceDir
        ? ['--save', '1 1', '--appendonly', 'yes']
        : ['--save', '', '--appendonly', 'no']),
    ];
    const saved = {
      command: this.request.command,
      entrypoint: this.request.entrypoint,
      user: this.request.user,
      environment: { ...this.request.environment },
    };
    if (this.ownCommand) {
      this.request.command = this.ownCommand;
    } else if (this.image.includes('redis-stack')) {
      this.request.environment[REDIS_STACK_ARGS_ENV] = args.map((a) => (a === '' ? '""' : a)).join(' ');
    } else if (direct) {
      this.request.entrypoint = ['redis-server'];
      this.request.command = args;
      this.request.user = 'redis';
    } else {
      this.request.command = ['redis-server', ...args];
    }
    try {
      return await super.start();
    } finally {
      Object.assign(this.request, saved);
    }
  }
}

/** How Docker and skiffd refuse a user the image does not have. */
const MISSING_USER = /unable to find user redis/i;

interface LoadedScript {
  source: string;
  commands: ScriptCommand[];
}

async function loadScript(data: RedisInitialData): Promise<LoadedScript> {
  let source: string;
  let text: string;
  if (typeof data === 'string') {
    source = path.resolve(data);
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(
        `initial data file ${source} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  } else {
    source = data.name ?? 'script';
    text = data.script;
  }
  const parsed = parseScript(text);
  if ('error' in parsed) throw new RedisScriptSyntaxError(source, parsed.error.line, parsed.error.reason);
  return { source, commands: parsed.commands };
}

async function runScript(
  started: StartedGenericContainer,
  password: string | undefined,
  script: LoadedScript,
): Promise<void> {
  if (script.commands.length === 0) return;
  const client = new Redis(connectionUrl(started.getHost(), started.getMappedPort(REDIS_PORT), password), {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Pipelined in one round trip; replies come back in order, errors in place.
    const pipeline = client.pipeline();
    for (const c of script.commands) {
      const [name, ...args] = c.argv;
      if (name) pipeline.call(name, ...args);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, [err]] of replies.entries()) {
      const command = script.commands[i];
      if (err && command) {
        throw new RedisInitialDataError(script.source, command.line, command.text, err.message, {
          cause: err,
        });
      }
    }
  } finally {
    client.disconnect();
  }
}
