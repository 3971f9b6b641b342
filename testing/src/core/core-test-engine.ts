/**
 * The engine under test as the `@skiff/core` suites (core, modules) use it: a runtime of its own,
 * installed as the default runtime, and the fixture images they need (busybox, a shell-less image).
 */
import { createRuntime, defaultRuntime, type RuntimeOptions, type SkiffRuntime } from '@skiff/core';
import {
  type EngineUnderTest,
  startEngineUnderTest,
  type TestEngineKind,
  testEngineKind,
} from '../engine-under-test.js';
import { provideNoshell } from './noshell-image.js';

/** The engine these suites run against (`SKIFF_TEST_ENGINE`, default skiff). */
export const ENGINE: TestEngineKind = testEngineKind();

export interface TestEngine {
  kind: TestEngineKind;
  /** Options for `createRuntime()` that reach this engine; tests add their own. */
  options: RuntimeOptions;
  /** The engine address, for child processes (`SKIFF_HOST` or `DOCKER_HOST` form). */
  host: string;
  /** Environment that makes a child process's default runtime use this engine. */
  env: NodeJS.ProcessEnv;
  /** A runtime of its own (already the default runtime). */
  runtime: SkiffRuntime;
  /** The runtime's engine client, for checks behind the library's back (listing leftovers, inspecting). */
  client: SkiffRuntime['client'];
  /** The engine-neutral side: raw API calls, images, leak checks. */
  engine: EngineUnderTest;
  stop(): Promise<void>;
}

/**
 * Connects to the engine under test, makes the fixture images, and installs a runtime as the
 * default. Call `stop()` in `afterAll`: it closes the runtime (ending its session) and removes
 * what the helper created.
 */
export async function startTestEngine(extra: RuntimeOptions = {}): Promise<TestEngine> {
  const engine = await startEngineUnderTest();
  try {
    await provideNoshell(engine.engineApi);
    const options: RuntimeOptions =
      engine.kind === 'docker'
        ? { host: engine.host, engine: 'docker', defaultNetwork: engine.defaultNetwork ?? '' }
        : { host: engine.host };
    const runtime = await createRuntime({ ...options, handleSignals: false, ...extra });
    defaultRuntime.use(runtime);
    return {
      kind: engine.kind,
      options,
      host: engine.host,
      env: engine.env,
      runtime,
      client: runtime.client,
      engine,
      stop: async () => {
        await defaultRuntime.reset();
        await runtime.close();
        await engine.stop();
      },
    };
  } catch (err: unknown) {
    await engine.stop();
    throw err;
  }
}

/** A name no other test (or engineer) uses at the same time. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
