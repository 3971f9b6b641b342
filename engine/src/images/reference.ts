import { InvalidArgumentError } from '../errors.js';

/**
 * An image reference normalised as Docker does: `redis` → `docker.io/library/redis:latest`.
 * Grammar from distribution/reference: [domain/]path[:tag][@digest].
 */
export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/redis`, `team/app`. */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DOMAIN = 'index.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;

function invalid(input: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid reference format ${JSON.stringify(input)}: ${why}`);
}

export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'the image name is empty');
  if (input.length > 255 + 140) throw invalid(input, 'too long');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw invalid(input, `${JSON.stringify(digest)} is not a digest (algorithm:hex)`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw invalid(input, `${JSON.stringify(tag)} is not a valid tag`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (
      first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase()
    ) {
      domain = first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain))
        throw invalid(input, `${JSON.stringify(domain)} is not a valid registry host`);
    }
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path.length === 0) throw invalid(input, 'the repository path is empty');
  if (path !== path.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
  for (const component of path.split('/')) {
    if (!COMPONENT.test(component))
      throw invalid(input, `path component ${JSON.stringify(component)} is not allowed`);
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { domain, path, tag, digest };
}

/** `docker.io/library/redis` */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string: `docker.io/library/redis:7`, `docker.io/library/redis@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  let out = repositoryName(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** The short form Docker prints: `redis:7`, `team/app:1`, `localhost:5000/x:latest`. */
export function familiarName(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
  }
  if (ref.tag !== undefined) name += `:${ref.tag}`;
  if (ref.digest !== undefined) name += `@${ref.digest}`;
  return name;
}

export function familiarRepository(ref: ImageReference): string {
  return familiarName({ ...ref, tag: undefined, digest: undefined });
}

/** Normalises user input to the canonical string, or throws InvalidArgumentError. */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** A reference with an explicit tag: `name:tag` normalised, dropping any digest. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  return { ...ref, tag, digest: undefined };
}
