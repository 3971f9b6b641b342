import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_DOMAIN } from '../../images/reference.js';
import { DOCKER_HUB_REGISTRY } from '../registry-constants.js';

/** One place to talk to for a registry domain: its origin, or a mirror of Docker Hub. */
export interface RegistryEndpoint {
  /** `http://127.0.0.1:5000` or `https://registry-1.docker.io`, with a mirror's path prefix if any. */
  base: string;
  /** The domain of the image reference this endpoint serves (`docker.io`, `localhost:5000`). */
  domain: string;
  /** What messages call the registry: the host (and port) of `base`. */
  display: string;
  mirror: boolean;
}

function hostOf(domain: string): string {
  return domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

/** Docker allows plain HTTP to loopback registries without configuration (127.0.0.0/8, ::1, localhost). */
export function isLoopbackDomain(domain: string): boolean {
  const host = hostOf(domain).toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Decides where a pull or push goes: `docker.io` images try the mirrors (`SKIFF_REGISTRY_MIRRORS`)
 * in order and then Docker Hub itself; other registries are reached over HTTPS, or plain HTTP for
 * loopback hosts and those listed in `SKIFF_INSECURE_REGISTRIES` (host or host:port).
 */
export class RegistryEndpoints {
  private readonly mirrors: string[];
  private readonly insecure: Set<string>;

  constructor(options: { mirrors?: readonly string[]; insecureRegistries?: readonly string[] } = {}) {
    this.mirrors = (options.mirrors ?? []).map((m) => {
      const withScheme = /^[a-z]+:\/\//i.test(m) ? m : `https://${m}`;
      let url: URL;
      try {
        url = new URL(withScheme);
      } catch {
        throw new InvalidArgumentError(
          `invalid registry mirror ${JSON.stringify(m)}: expected a URL like https://mirror.example`,
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new InvalidArgumentError(
          `invalid registry mirror ${JSON.stringify(m)}: only http and https are supported`,
        );
      }
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    });
    this.insecure = new Set(
      (options.insecureRegistries ?? []).map((r) =>
        r
          .trim()
          .toLowerCase()
          .replace(/^[a-z]+:\/\//, ''),
      ),
    );
  }

  private isInsecure(domain: string): boolean {
    const d = domain.toLowerCase();
    return isLoopbackDomain(d) || this.insecure.has(d) || this.insecure.has(hostOf(d));
  }

  origin(domain: string): RegistryEndpoint {
    if (domain === DEFAULT_DOMAIN) {
      return { base: `https://${DOCKER_HUB_REGISTRY}`, domain, display: DOCKER_HUB_REGISTRY, mirror: false };
    }
    const scheme = this.isInsecure(domain) ? 'http' : 'https';
    return { base: `${scheme}://${domain}`, domain, display: domain, mirror: false };
  }

  /** Endpoints to try for a pull, in order. */
  forPull(domain: string): RegistryEndpoint[] {
    if (domain !== DEFAULT_DOMAIN) return [this.origin(domain)];
    return [
      ...this.mirrors.map((base) => ({ base, domain, display: new URL(base).host, mirror: true })),
      this.origin(domain),
    ];
  }

  get mirrorList(): readonly string[] {
    return this.mirrors;
  }

  get insecureList(): readonly string[] {
    return [...this.insecure];
  }
}
