import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { ownPackagePatterns } from './own-packages.js';
import { PLUGIN_NAME, type SkiffPluginApi, type SkiffPluginOptions } from './plugin-api.js';
import { defineServices } from './services/define-services.js';
import { planServices } from './services/service-plan.js';

/** The part of vitest's config the plugin changes. */
interface TestConfigPart {
  globalSetup?: string | string[];
  server?: { deps?: { external?: (string | RegExp)[] } };
}

/** The global setup module beside this file: compiled `.js`, or `.ts` when run from source. */
export function globalSetupPath(): string {
  const js = fileURLToPath(new URL('./global-setup.js', import.meta.url));
  if (existsSync(js)) return js;
  return fileURLToPath(new URL('./global-setup.ts', import.meta.url));
}

/**
 * The vitest plugin: declares the suite's services. They start once, in parallel, in vitest's main
 * process before any worker (a global setup this plugin registers), their connection details reach
 * the tests through `inject()`, and they are removed when the run ends — or, if the run is killed,
 * by the engine when the run's session drops.
 *
 * ```ts
 * export default defineConfig({
 *   plugins: [skiff({ services: { db: postgres(), cache: redis() } })],
 * });
 * ```
 *
 * Declarations are checked here, so a typo fails when the config loads, before anything starts.
 */
export function skiff(options: SkiffPluginOptions): Plugin {
  defineServices(options.services);
  planServices(options.services);
  const api: SkiffPluginApi = { kind: 'skiff-services', options, shared: undefined };
  const setupFile = globalSetupPath();
  return {
    name: PLUGIN_NAME,
    api,
    config(config) {
      // Mutated rather than returned: the services' setup must run before the user's own global
      // setups (which may want the services), and vite's merge would append it after them.
      const withTest = config as { test?: TestConfigPart };
      withTest.test ??= {};
      const test = withTest.test;
      const existing = test.globalSetup === undefined ? [] : [test.globalSetup].flat();
      if (!existing.includes(setupFile)) test.globalSetup = [setupFile, ...existing];
      test.server ??= {};
      test.server.deps ??= {};
      const external = test.server.deps.external ?? [];
      test.server.deps.external = [...external, ...ownPackagePatterns()];
    },
  };
}
