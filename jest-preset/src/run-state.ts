import type { SkiffRunContext } from '@skiff/vitest';

/** What the global setup writes for the test environment: plain JSON. */
export interface RunState {
  context: SkiffRunContext;
  services: Record<string, unknown>;
}

/** The global a test file sees (`globalThis.__SKIFF__`). */
export interface TestGlobalState extends RunState {
  /** Fresh databases this file created, dropped by the environment when the file ends. */
  created: { service: string; database: string }[];
}
