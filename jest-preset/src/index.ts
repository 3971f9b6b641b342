/**
 * `@skiff/jest`: what test files use. Connection details of the services declared in
 * `skiff.config.ts`, typed by augmenting `SkiffServices`:
 *
 * ```ts
 * declare module '@skiff/jest' {
 *   interface SkiffServices extends ProvidedServices<typeof services> {}
 * }
 * const { uri } = service('db');
 * ```
 */

export type {
  FreshDatabaseInfo as FreshDatabase,
  ProvidedServices,
  RedisDatabaseInfo as RedisDatabase,
  SkiffRunContext,
} from '@skiff/vitest';
export type { SkiffServices } from './skiff-services.js';
export {
  freshDatabase,
  redisDatabase,
  runContext,
  service,
  serviceAction,
  services,
} from './test-helpers.js';
