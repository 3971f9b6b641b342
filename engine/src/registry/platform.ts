import { InvalidArgumentError } from '../errors.js';
import type { Platform } from '../images/image-config.js';
import type { Descriptor } from './manifest.js';

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

/** `linux/arm64/v8` → normalised Platform, as containerd's platforms.Parse/Normalize do. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.length === 0)) {
    throw new InvalidArgumentError(
      `invalid platform ${JSON.stringify(spec)}: expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8`,
    );
  }
  return normalizePlatform({ os: parts[0]!, architecture: parts[1]!, variant: parts[2] });
}

export function normalizePlatform(p: Platform): Platform {
  const architecture = ARCH_ALIASES[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'arm' && variant !== undefined && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return variant === undefined ? { os: p.os, architecture } : { os: p.os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

export function platformMatches(want: Platform, have: Platform): boolean {
  const a = normalizePlatform(want);
  const b = normalizePlatform(have);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  return a.variant === undefined || a.variant === b.variant;
}

/** Docker Hub adds attestation manifests (`unknown/unknown`) to indexes; they are never images to run. */
function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

/** Picks the manifest of an index for `want`; the first match wins, as in containerd. */
export function selectManifest(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  return manifests.find(
    (d) => !isAttestation(d) && d.platform !== undefined && platformMatches(want, d.platform),
  );
}

/** The platforms an index offers, for error messages. */
export function offeredPlatforms(manifests: readonly Descriptor[]): string[] {
  return manifests.filter((d) => !isAttestation(d) && d.platform).map((d) => formatPlatform(d.platform!));
}
