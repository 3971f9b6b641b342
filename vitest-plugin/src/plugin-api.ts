import type { RuntimeOptions } from '@skiff/core';
import type { ServiceDefinitions } from './services/service-definition.js';

/** What `skiff()` takes in `vitest.config.ts`. */
export interface SkiffPluginOptions {
  /** The services of the suite, by name (`defineServices({ db: postgres(), … })`). */
  services: ServiceDefinitions;
  /** Engine and session options for the runtime the services run in (default: from the environment). */
  runtime?: RuntimeOptions;
  /** Print one line per started service (default true). */
  summary?: boolean;
}

/**
 * The plugin object's `api`: how the global setup (loaded by vitest through its module runner, so
 * possibly another copy of this package) finds the declarations. Plain data plus the shared state
 * of projects that use the same plugin instance.
 */
export interface SkiffPluginApi {
  readonly kind: 'skiff-services';
  readonly options: SkiffPluginOptions;
  /** Set by the global setup: one provisioning per plugin instance, shared by its projects. */
  shared: { users: number; provisioned: Promise<unknown> } | undefined;
}

export const PLUGIN_NAME = 'skiff:services';

export function isSkiffPluginApi(value: unknown): value is SkiffPluginApi {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'skiff-services'
  );
}
