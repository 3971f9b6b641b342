/**
 * `@skiff/testing`: what Skiff's end-to-end suites share — the engine under test
 * (`SKIFF_TEST_ENGINE`), private skiffd daemons, the busybox fixture, throwaway registries,
 * checks for what an engine left on the machine, and test runners in child processes.
 * Test-only: no package ships it. Suites written with `@skiff/core` use `@skiff/testing/core`.
 */
export { BUSYBOX, BUSYBOX_CHANGES, busyboxTar, provideBusybox } from './busybox.js';
export { type CncfRegistry, type CncfRegistryOptions, startCncfRegistry } from './cncf-registry.js';
export { EngineApi } from './engine-api.js';
export {
  cgroupParents,
  engineLeftovers,
  mountsUnder,
  type RuntimeStates,
  removeEngineLeftovers,
  removeRuntimeStates,
  unmountUnder,
} from './engine-leftovers.js';
export {
  DEFAULT_TEST_DOCKER_HOST,
  type EngineUnderTest,
  startEngineUnderTest,
  type TestEngineKind,
  testEngineKind,
} from './engine-under-test.js';
export { FIXTURES_CACHE, MAKE_BUSYBOX, REPO, SKIFF_BIN, SKIFFD_BIN } from './paths.js';
export { isAlive } from './processes.js';
export { pollUntil, type RunnerProcess, startRunner } from './runner-process.js';
export { closeServer, freePort, listen } from './servers.js';
export {
  type CliResult,
  SkiffdHarness,
  type SkiffdOptions,
  socketAnswers,
  startSkiffd,
} from './skiffd-harness.js';
export { type HttpResult, type UnixRequestOptions, unixRequest } from './unix-http.js';
