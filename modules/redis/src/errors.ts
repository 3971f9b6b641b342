import { SkiffCoreError } from '@skiff/core';

/** A command of `withInitialData()` failed; the message quotes the line and Redis's error. */
export class RedisInitialDataError extends SkiffCoreError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly command: string,
    readonly redisError: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SKIFF_REDIS_INITIAL_DATA_FAILED',
      `initial data ${source}, line ${line}: ${command}\n  ${redisError}\n` +
        'Fix the command; the container was stopped and removed.',
      options,
    );
  }
}

/** A line of an initial-data script that cannot be split into arguments (an open quote). */
export class RedisScriptSyntaxError extends SkiffCoreError {
  constructor(
    readonly source: string,
    readonly line: number,
    reason: string,
  ) {
    super('SKIFF_REDIS_SCRIPT_SYNTAX', `initial data ${source}, line ${line}: ${reason}`);
  }
}

/** `redis-cli` ran in the container and failed (a non-zero exit, or an error reply). */
export class RedisCliError extends SkiffCoreError {
  constructor(
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(
      'SKIFF_REDIS_CLI_FAILED',
      `redis-cli exited with code ${exitCode}: ${output.trim() || '(no output)'}`,
    );
  }
}
