import { isRepositoryName } from '../repository-name.js';
import { DistributionError } from './distribution-error.js';

export type RegistryRoute =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'tags'; name: string };

// Repository names contain `/`, so `<name>` is everything up to the last route keyword (greedy).
const PATTERNS: [RegExp, (m: RegExpExecArray) => RegistryRoute][] = [
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! })],
  [/^(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1]! })],
  [/^(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: m[2]! })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
];

/**
 * Routes the raw request path (before any URL normalisation, so `..` and percent escapes reach
 * the name check instead of being resolved away).
 */
export function parseRegistryRoute(rawPath: string): RegistryRoute {
  if (rawPath === '/v2/' || rawPath === '/v2') return { kind: 'base' };
  if (rawPath === '/v2/_catalog') return { kind: 'catalog' };
  if (!rawPath.startsWith('/v2/')) throw new DistributionError(404, 'NOT_FOUND', `no route for ${rawPath}`);
  const rest = rawPath.slice(4);
  for (const [re, make] of PATTERNS) {
    const m = re.exec(rest);
    if (!m) continue;
    const route = make(m);
    if ('name' in route && !isRepositoryName(route.name)) {
      throw new DistributionError(
        400,
        'NAME_INVALID',
        `invalid repository name ${JSON.stringify(route.name)}`,
        {
          name: route.name,
        },
      );
    }
    return route;
  }
  throw new DistributionError(404, 'NOT_FOUND', `no route for ${rawPath}`);
}
