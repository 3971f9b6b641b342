import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import workspace packages from source, so the fast loop never waits for `tsc -b`.
const alias = [
  // Subpath exports (`@skiff/vitest/services`) resolve to the folder's index in source.
  { find: /^@skiff\/vitest\/(.+)$/, replacement: here('./vitest-plugin/src/$1/index.ts') },
  // Test-only helpers shared by the suites (`@skiff/testing/core` for the @skiff/core suites).
  { find: /^@skiff\/testing\/(.+)$/, replacement: here('./testing/src/$1/index.ts') },
  ...Object.entries({
    '@skiff/net': here('./net/src/index.ts'),
    '@skiff/engine': here('./engine/src/index.ts'),
    '@skiff/core': here('./core/src/index.ts'),
    '@skiff/postgres': here('./modules/postgres/src/index.ts'),
    '@skiff/redis': here('./modules/redis/src/index.ts'),
    '@skiff/vitest': here('./vitest-plugin/src/index.ts'),
    '@skiff/jest': here('./jest-preset/src/index.ts'),
    '@skiff/testing': here('./testing/src/index.ts'),
  }).map(([find, replacement]) => ({ find, replacement })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['*/src/**/*.test.ts', 'modules/*/src/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['*/test/**/*.test.ts', 'modules/*/test/**/*.test.ts'],
          // The suites run skiffd, the CLI and child processes from dist: one build per run.
          globalSetup: ['testing/src/build-once.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
