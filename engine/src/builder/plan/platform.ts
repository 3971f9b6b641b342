import type { Platform } from '../../images/image-config.js';

const ARCH_ALIASES: Readonly<Record<string, { architecture: string; variant?: string }>> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
};

const PART = /^[a-z0-9_.-]+$/;

/**
 * Parses `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`, `linux/x86_64`), normalising the
 * architecture aliases containerd normalises. Throws an Error saying what is wrong.
 */
export function parsePlatform(spec: string): Platform {
  const parts = spec.toLowerCase().split('/');
  const [os, arch, variant] = parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !parts.every((p) => PART.test(p)) ||
    os === undefined ||
    arch === undefined
  ) {
    throw new Error(
      `invalid platform ${JSON.stringify(spec)}: expected <os>/<arch>[/<variant>], like linux/amd64`,
    );
  }
  const alias = ARCH_ALIASES[arch];
  const platform: Platform = { os, architecture: alias?.architecture ?? arch };
  const v = variant ?? alias?.variant;
  if (v !== undefined) platform.variant = v;
  return platform;
}

/** `linux/arm64/v8`, `linux/amd64`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant]
    .filter((p) => p !== undefined && p !== '')
    .join('/');
}

/** Whether two platforms name the same thing (arm64 without a variant means v8). */
export function samePlatform(a: Platform, b: Platform): boolean {
  const variant = (p: Platform) => p.variant ?? (p.architecture === 'arm64' ? 'v8' : '');
  return a.os === b.os && a.architecture === b.architecture && variant(a) === variant(b);
}

/** BuildKit's automatic platform ARGs (`TARGETPLATFORM`, `TARGETARCH`, `BUILDOS`, …). */
export function platformArgs(target: Platform, build: Platform): Map<string, string> {
  const args = new Map<string, string>();
  for (const [prefix, p] of [
    ['TARGET', target],
    ['BUILD', build],
  ] as const) {
    args.set(`${prefix}PLATFORM`, formatPlatform(p));
    args.set(`${prefix}OS`, p.os);
    args.set(`${prefix}ARCH`, p.architecture);
    args.set(`${prefix}VARIANT`, p.variant ?? '');
  }
  return args;
}
