/** @skiff/redis — Redis for tests on @skiff/core. */
export { DEFAULT_REDIS_IMAGE, REDIS_PORT } from './constants.js';
export { RedisCliError, RedisInitialDataError, RedisScriptSyntaxError } from './errors.js';
export { RedisContainer, type RedisInitialData } from './redis-container.js';
export { RedisReadyWaitStrategy } from './redis-ready-wait-strategy.js';
export { StartedRedisContainer } from './started-redis-container.js';
