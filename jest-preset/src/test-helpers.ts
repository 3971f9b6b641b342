import {
  callServiceAction,
  type FreshDatabaseInfo as FreshDatabase,
  type RedisDatabaseInfo as RedisDatabase,
  ServicesUnavailableError,
  type SkiffRunContext,
} from '@skiff/vitest';
import { STATE_GLOBAL } from './constants.js';
import type { TestGlobalState } from './run-state.js';
import type { SkiffServices } from './skiff-services.js';

function state(): TestGlobalState {
  const found = (globalThis as Record<string, unknown>)[STATE_GLOBAL] as TestGlobalState | undefined;
  if (!found) {
    throw new ServicesUnavailableError(
      "no Skiff services in this test file: use preset: '@skiff/jest' (or its testEnvironment) in the jest config",
    );
  }
  return found;
}

/** The worker's id (`JEST_WORKER_ID`, 1-based), for names that must not collide between workers. */
function workerId(): string {
  return process.env.JEST_WORKER_ID ?? '1';
}

/** The engine, session and broker of this run. */
export function runContext(): SkiffRunContext {
  return state().context;
}

/** Every service's connection details, by name. */
export function services(): SkiffServices {
  return state().services as SkiffServices;
}

/** One service's connection details. */
export function service<K extends keyof SkiffServices & string>(name: K): SkiffServices[K] {
  const all = state().services;
  if (!(name in all)) {
    throw new ServicesUnavailableError(
      `no service "${name}" in this run; declared: ${Object.keys(all).join(', ') || 'none'}`,
    );
  }
  return all[name] as SkiffServices[K];
}

/** Runs an action of a service in jest's parent process, which owns it. */
export function serviceAction<T>(
  name: string,
  action: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  return callServiceAction<T>(state().context.broker, name, action, args);
}

/**
 * A database of this test file's own, cloned from the service's template in milliseconds (named
 * after `JEST_WORKER_ID`). It is dropped when the file ends; close your pools in `afterAll`.
 */
export async function freshDatabase(name = 'db'): Promise<FreshDatabase> {
  const db = await serviceAction<FreshDatabase>(name, 'createDatabase', { prefix: `j${workerId()}` });
  state().created.push({ service: name, database: db.database });
  return db;
}

/** This worker's own logical redis database (chosen from `JEST_WORKER_ID`), flushed first. */
export function redisDatabase(name = 'cache'): Promise<RedisDatabase> {
  return serviceAction<RedisDatabase>(name, 'flushDatabase', { worker: Number(workerId()) });
}
