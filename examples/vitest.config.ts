import { skiff } from '@skiff/vitest';
import { defineConfig } from 'vitest/config';
import { services } from './skiff.config.js';

export default defineConfig({
  plugins: [skiff({ services })],
  test: {
    include: ['tests/vitest/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
