/** `@skiff/testing/core`: the engine under test for suites written with `@skiff/core`. */
export { BUSYBOX } from '../busybox.js';
export { ENGINE, startTestEngine, type TestEngine, uniqueName } from './core-test-engine.js';
export { NOSHELL, provideNoshell } from './noshell-image.js';
