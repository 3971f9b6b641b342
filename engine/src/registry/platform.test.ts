import { describe, expect, it } from 'vitest';
import { parsePlatform, platformMatches, selectManifest } from './platform.js';

const d = (platform: Record<string, string>, annotations?: Record<string, string>) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${'a'.repeat(64)}` as const,
  size: 1,
  platform: platform as { os: string; architecture: string },
  ...(annotations ? { annotations } : {}),
});

describe('platforms', () => {
  it('normalises architecture aliases and default variants as containerd does', () => {
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(() => parsePlatform('linux')).toThrow(/os\/arch/);
  });

  it('matches arm64 manifests without a variant to v8, and other variants only exactly', () => {
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(
      platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }),
    ).toBe(false);
  });

  it('skips attestation manifests when selecting', () => {
    const att = d(
      { os: 'unknown', architecture: 'unknown' },
      { 'vnd.docker.reference.type': 'attestation-manifest' },
    );
    const amd = d({ os: 'linux', architecture: 'amd64' });
    expect(selectManifest([att, amd], parsePlatform('linux/amd64'))).toBe(amd);
    expect(selectManifest([att], parsePlatform('unknown/unknown'))).toBeUndefined();
  });
});
