/**
 * The test environment of `preset: '@skiff/jest'`: jest's node environment plus the run's services.
 * Each test file's global `__SKIFF__` holds the connection details the global setup wrote; the
 * helpers of `@skiff/jest` (`service()`, `freshDatabase()`) read it. Fresh databases a file made
 * are dropped when the file ends.
 */
import { readFileSync } from 'node:fs';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { callServiceAction } from '@skiff/vitest';
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { STATE_ENV, STATE_GLOBAL } from './constants.js';
import type { RunState, TestGlobalState } from './run-state.js';

export default class SkiffEnvironment extends NodeEnvironment {
  private readonly stateFile: string | undefined;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.stateFile = process.env[STATE_ENV];
  }

  override async setup(): Promise<void> {
    await super.setup();
    if (!this.stateFile) return;
    const run = JSON.parse(readFileSync(this.stateFile, 'utf8')) as RunState;
    const state: TestGlobalState = { ...run, created: [] };
    this.global[STATE_GLOBAL] = state;
  }

  override async teardown(): Promise<void> {
    const state = this.global?.[STATE_GLOBAL] as TestGlobalState | undefined;
    try {
      for (const { service, database } of state?.created ?? []) {
        await callServiceAction(state!.context.broker, service, 'dropDatabase', { database });
      }
    } finally {
      await super.teardown();
    }
  }
}
