/** Magic strings of `@skiff/jest`, in one place. */

/** Where the global setup tells workers to find the run's state file (workers inherit the env). */
export const STATE_ENV = 'SKIFF_JEST_STATE';

/** The global the environment puts the run's state under, in every test file's context. */
export const STATE_GLOBAL = '__SKIFF__';

/** Config files looked for in `rootDir`, in order, when `testEnvironmentOptions.skiffConfig` is unset. */
export const CONFIG_FILES = [
  'skiff.config.ts',
  'skiff.config.mts',
  'skiff.config.js',
  'skiff.config.mjs',
] as const;

/** `testEnvironmentOptions` key naming the config file explicitly. */
export const CONFIG_OPTION = 'skiffConfig';

/** Process-wide slot for the provisioned services: survives jest re-importing the setup in watch mode. */
export const PROCESS_SLOT = Symbol.for('dev.skiff.jest.provisioned');
