/**
 * `@skiff/vitest`: the `skiff()` plugin for `vitest.config.ts` and the service declarations.
 * Test files use `inject()` and `@skiff/vitest/fixtures`.
 */
import './provided-context.js';

export { skiff } from './plugin.js';
export type { SkiffPluginOptions } from './plugin-api.js';
export * from './services/index.js';
