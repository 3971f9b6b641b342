/**
 * Jest's globalTeardown for `preset: '@skiff/jest'`: removes the services after the run. In watch
 * mode (`--watch`, `--watchAll`) they stay up for the next run; when jest exits, the run's session
 * ends and the engine removes them (Ctrl-C removes them at once).
 */
import { rm } from 'node:fs/promises';
import type { Config } from '@jest/types';
import { STATE_ENV } from './constants.js';
import { processState } from './process-state.js';

export default async function globalTeardown(globalConfig: Config.GlobalConfig): Promise<void> {
  if (globalConfig.watch || globalConfig.watchAll) return;
  const state = processState();
  const entries = [...state.values()];
  state.clear();
  delete process.env[STATE_ENV];
  let first: unknown;
  for (const entry of entries) {
    try {
      await entry.provisioned.close();
    } catch (err) {
      first ??= err;
    } finally {
      await rm(entry.dir, { recursive: true, force: true });
    }
  }
  if (first !== undefined) throw first;
}
