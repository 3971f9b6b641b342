/**
 * `@skiff/jest/services`: the service declarations for `skiff.config.ts`. They are the same ones
 * `@skiff/vitest` uses (one model, one place), so a suite can declare its services once for both.
 */
export * from '@skiff/vitest';
