// The same suite on jest: `preset: '@skiff/jest'` starts the services of skiff.config.ts once,
// before the workers. Run with --experimental-vm-modules (the packages are ES modules).
export default {
  preset: '@skiff/jest',
  testMatch: ['<rootDir>/tests/jest/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60_000,
};
