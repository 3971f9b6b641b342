/**
 * Jest's globalSetup for `preset: '@skiff/jest'`: runs once in jest's parent process, before any
 * worker. Loads the declared services, starts them (in parallel) there — so their session lives as
 * long as jest does — and writes their connection details to a state file whose path the workers
 * inherit through the environment. In watch mode jest calls this before every run: the services
 * started by the first run are reused.
 */
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '@jest/types';
import { createRunDir, provisionServices } from '@skiff/vitest';
import { STATE_ENV } from './constants.js';
import { findServicesConfig, loadServicesConfig } from './load-services-config.js';
import { processState } from './process-state.js';
import type { RunState } from './run-state.js';

export default async function globalSetup(
  _globalConfig: Config.GlobalConfig,
  projectConfig: Config.ProjectConfig,
): Promise<void> {
  const configFile = findServicesConfig(projectConfig.rootDir, projectConfig.testEnvironmentOptions);
  const state = processState();
  let entry = state.get(configFile);
  if (!entry) {
    const services = await loadServicesConfig(configFile);
    const provisioned = await provisionServices({ services, root: path.dirname(configFile) });
    const dir = await createRunDir('skiff-jest');
    entry = { provisioned, stateFile: path.join(dir, 'state.json'), dir };
    state.set(configFile, entry);
    // In watch mode the teardown keeps everything; the session removes the services when jest
    // exits, and this removes the state file.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const run: RunState = { context: provisioned.context, services: provisioned.infos };
    await writeFile(entry.stateFile, JSON.stringify(run), { mode: 0o600 });
  }
  process.env[STATE_ENV] = entry.stateFile;
}
