import { Env } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';

/** Rewrites image names before pull and create, so suites run behind mirrors. */
export type ImageSubstitutor = (image: string) => string;

export interface ImageSubstitutionOptions {
  /** Prefix for Docker Hub images (names without a registry part), e.g. `mirror.local:5000/hub`. */
  prefix?: string;
  /** Exact renames, applied before the prefix: `{ 'redis:7': 'mirror.local/redis:7' }`. */
  map?: Record<string, string>;
  /** Any rewrite at all, applied last. */
  substitute?: ImageSubstitutor;
}

/** A reference names a registry when its first component has a dot, a port, or is `localhost`. */
export function isDockerHubImage(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash < 0) return true;
  const first = image.slice(0, slash);
  if (first === 'docker.io' || first === 'index.docker.io' || first === 'registry-1.docker.io') return true;
  return !(first.includes('.') || first.includes(':') || first === 'localhost');
}

function stripHubRegistry(image: string): string {
  return image.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(library\/)?/, '');
}

function withTag(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  return image.includes('@') || image.lastIndexOf(':') > lastSlash ? image : `${image}:latest`;
}

/** Parses `SKIFF_IMAGE_MAP`: a JSON object, or `from=to` pairs separated by commas. */
export function parseImageMap(value: string | undefined): Record<string, string> {
  if (!value?.trim()) return {};
  const text = value.trim();
  if (text.startsWith('{')) {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidArgumentError(`SKIFF_IMAGE_MAP must be a JSON object of strings, got ${text}`);
    }
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new InvalidArgumentError(`SKIFF_IMAGE_MAP entry ${JSON.stringify(pair)} is not from=to`);
    map[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return map;
}

/** Options from code win over the environment (`SKIFF_IMAGE_MAP`, `SKIFF_IMAGE_PREFIX`). */
export function createImageSubstitutor(
  options: ImageSubstitutionOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ImageSubstitutor {
  const map = { ...parseImageMap(env[Env.ImageMap]), ...options.map };
  const normalisedMap = new Map(Object.entries(map).map(([k, v]) => [withTag(stripHubRegistry(k)), v]));
  const prefix = options.prefix ?? env[Env.ImagePrefix] ?? env[Env.TcImagePrefix];
  return (image) => {
    let result = normalisedMap.get(withTag(stripHubRegistry(image))) ?? map[image];
    if (result === undefined) {
      result = image;
      if (prefix && isDockerHubImage(image)) {
        const name = stripHubRegistry(image);
        result = prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;
      }
    }
    return options.substitute ? options.substitute(result) : result;
  };
}
