import { AbstractStartedContainer, type StartedGenericContainer } from '@skiff/core';
import { connectionUrl } from './connection-url.js';
import { REDIS_PORT } from './constants.js';
import { RedisCliError } from './errors.js';

/** A running Redis server: where it is, the password, and `redis-cli` in the container. */
export class StartedRedisContainer extends AbstractStartedContainer {
  constructor(
    startedContainer: StartedGenericContainer,
    private readonly password: string | undefined,
  ) {
    super(startedContainer);
  }

  getPort(): number {
    return this.getMappedPort(REDIS_PORT);
  }

  /** The password set with `withPassword()`, or `undefined`. */
  getPassword(): string | undefined {
    return this.password;
  }

  /** `redis://:password@host:port` (`redis://host:port` without a password). */
  getConnectionUrl(): string {
    return connectionUrl(this.getHost(), this.getPort(), this.password);
  }

  /**
   * Runs `redis-cli [-a password] cmd ...args` in the container (testcontainers' signature: the
   * command, then its arguments) and returns what it printed. An error reply throws
   * `RedisCliError` (`-e`, redis-cli 7+: error replies exit non-zero; older ones exit 0 on them).
   */
  async executeCliCmd(cmd: string, args: string[] = []): Promise<string> {
    const run = (flags: string[]) =>
      this.exec([
        'redis-cli',
        ...flags,
        ...(this.password ? ['--no-auth-warning', '-a', this.password] : []),
        cmd,
        ...args,
      ]);
    let result = await run(['-e']);
    if (result.exitCode !== 0 && /Unrecognized option.*'-e'/.test(result.output)) result = await run([]);
    if (result.exitCode !== 0) throw new RedisCliError(result.exitCode, result.output);
    return result.stdout;
  }
}
