/** Magic strings and defaults of `@skiff/redis`, in one place. */

/** The official image name; tests get the stand-in through the registry mirror. */
export const DEFAULT_REDIS_IMAGE = 'redis:7';
export const REDIS_PORT = 6379;
/** The official image's working directory, where RDB and AOF files go. */
export const DATA_DIR = '/data';
export const DEFAULT_REDIS_STARTUP_TIMEOUT_MS = 120_000;
/** redis-stack images take the server's arguments in this variable, not on the command line. */
export const REDIS_STACK_ARGS_ENV = 'REDIS_ARGS';
