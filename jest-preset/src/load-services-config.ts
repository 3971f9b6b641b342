import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineServices, ServiceConfigError, type ServiceDefinitions } from '@skiff/vitest';
import { CONFIG_FILES, CONFIG_OPTION } from './constants.js';

/** The config file: `testEnvironmentOptions.skiffConfig`, else the first `skiff.config.*` in `rootDir`. */
export function findServicesConfig(rootDir: string, environmentOptions: Record<string, unknown>): string {
  const given = environmentOptions[CONFIG_OPTION];
  if (given !== undefined) {
    if (typeof given !== 'string') {
      throw new ServiceConfigError(
        `testEnvironmentOptions.${CONFIG_OPTION} must be a path, got ${JSON.stringify(given)}`,
      );
    }
    const file = path.resolve(rootDir, given);
    if (!existsSync(file))
      throw new ServiceConfigError(
        `the Skiff config ${file} (testEnvironmentOptions.${CONFIG_OPTION}) does not exist`,
      );
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = path.join(rootDir, name);
    if (existsSync(file)) return file;
  }
  throw new ServiceConfigError(
    `@skiff/jest found no ${CONFIG_FILES.join(' / ')} in ${rootDir}; create one that exports the services ` +
      `(export default defineServices({ db: postgres() })), or name it in testEnvironmentOptions.${CONFIG_OPTION}`,
  );
}

/**
 * Loads the declarations from a config file — TypeScript included, through jiti (the loader eslint
 * and tailwind use for TS configs), since jest's own transform is for test files. The file exports
 * them as `default` or as `services`.
 */
export async function loadServicesConfig(file: string): Promise<ServiceDefinitions> {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { moduleCache: false });
  const loaded = (await jiti.import(file)) as { default?: unknown; services?: unknown };
  // jiti answers `default` even for a module without one (its interop); only real exports count.
  const exported = Object.keys(loaded);
  const services = exported.includes('services')
    ? loaded.services
    : exported.includes('default')
      ? loaded.default
      : undefined;
  if (services === undefined) {
    throw new ServiceConfigError(
      `${file} exports no services: export default defineServices({ … }) or export const services = …`,
    );
  }
  return defineServices(services as ServiceDefinitions);
}
