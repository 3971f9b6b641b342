import { describe, expect, it } from 'vitest';
import { compareApiVersions, negotiateApiVersion } from './api-version.js';

describe('negotiateApiVersion', () => {
  it('speaks the engine maximum when it is inside the supported range', () => {
    expect(negotiateApiVersion('1.41', '1.12', 'docker')).toBe('1.41');
    expect(negotiateApiVersion('1.45', '1.24', 'skiffd')).toBe('1.45');
  });

  it('clamps a newer engine down to the client maximum', () => {
    expect(negotiateApiVersion('1.52', '1.40', 'docker')).toBe('1.45');
  });

  it('assumes its own maximum when the engine sends no Api-Version, as the Go client does', () => {
    expect(negotiateApiVersion(undefined, undefined, 'x')).toBe('1.45');
  });

  it('refuses an engine too old or one whose minimum is above the client maximum', () => {
    expect(() => negotiateApiVersion('1.40', undefined, 'old docker')).toThrow(/up to 1\.40.*at least 1\.41/);
    expect(() => negotiateApiVersion('1.60', '1.46', 'future docker')).toThrow(
      /1\.46 and newer.*at most 1\.45/,
    );
  });

  it('compares numerically, not as strings', () => {
    expect(compareApiVersions('1.9', '1.10')).toBeLessThan(0);
    expect(compareApiVersions('1.45', '1.45')).toBe(0);
  });
});
