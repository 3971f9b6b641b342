// `preset: '@skiff/jest'`: services declared in skiff.config.{ts,mts,js,mjs} start once before the
// tests (globalSetup), test files read them through a custom environment, and they are removed at
// the end (globalTeardown; in watch mode, when jest exits).
import { fileURLToPath } from 'node:url';

const dist = (file) => fileURLToPath(new URL(`./dist/${file}`, import.meta.url));

export default {
  globalSetup: dist('global-setup.js'),
  globalTeardown: dist('global-teardown.js'),
  testEnvironment: dist('environment.js'),
};
