import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform, platformArgs, samePlatform } from './platform.js';

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['Linux/X86_64', { os: 'linux', architecture: 'amd64' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }],
  ])('parses %s', (spec, platform) => {
    expect(parsePlatform(spec)).toEqual(platform);
  });

  it.each(['linux', 'linux/', 'a/b/c/d', 'linux/am d64', ''])('refuses %j', (spec) => {
    expect(() => parsePlatform(spec)).toThrow(/invalid platform/);
  });

  it('formats, compares and derives the automatic ARGs', () => {
    const arm = { os: 'linux', architecture: 'arm64' };
    expect(formatPlatform({ ...arm, variant: 'v8' })).toBe('linux/arm64/v8');
    expect(samePlatform(arm, { ...arm, variant: 'v8' })).toBe(true);
    expect(samePlatform(arm, { os: 'linux', architecture: 'amd64' })).toBe(false);
    expect(Object.fromEntries(platformArgs({ os: 'linux', architecture: 'amd64' }, arm))).toEqual({
      TARGETPLATFORM: 'linux/amd64',
      TARGETOS: 'linux',
      TARGETARCH: 'amd64',
      TARGETVARIANT: '',
      BUILDPLATFORM: 'linux/arm64',
      BUILDOS: 'linux',
      BUILDARCH: 'arm64',
      BUILDVARIANT: '',
    });
  });
});
