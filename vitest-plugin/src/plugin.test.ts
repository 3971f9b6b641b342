import { describe, expect, it } from 'vitest';
import { skiff } from './plugin.js';
import { redis } from './services/redis-service.js';

type Hook = (config: Record<string, unknown>) => void;

describe('skiff()', () => {
  it('checks the declarations when the config is loaded', () => {
    expect(() => skiff({ services: { skiff: redis() } })).toThrow('reserved');
    expect(() => skiff({ services: { a: redis({ dependsOn: ['b'] }) } })).toThrow('which is not declared');
  });

  it("puts its global setup before the user's own, once, and loads Skiff's packages natively", () => {
    const plugin = skiff({ services: { cache: redis() } });
    const config: Record<string, unknown> = { test: { globalSetup: './mine.ts' } };
    (plugin.config as Hook)(config);
    (plugin.config as Hook)(config);
    const test = config.test as { globalSetup: string[]; server: { deps: { external: RegExp[] } } };
    expect(test.globalSetup).toHaveLength(2);
    expect(test.globalSetup[0]).toMatch(/global-setup\.(ts|js)$/);
    expect(test.globalSetup[1]).toBe('./mine.ts');
    expect(test.server.deps.external.some((r) => r.test(`${import.meta.dirname}/plugin.ts`))).toBe(true);
  });
});
