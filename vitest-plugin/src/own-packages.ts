import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = ['@skiff/core', '@skiff/postgres', '@skiff/redis'] as const;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The real directory of an installed package's entry, or `undefined` when it is not installed. */
function packageDir(require: NodeJS.Require, name: string): string | undefined {
  try {
    return path.dirname(realpathSync(require.resolve(name)));
  } catch {
    return undefined;
  }
}

/**
 * Patterns matching the real paths of this package and the Skiff packages it loads. Vitest runs
 * modules outside `node_modules` through its module runner; linked workspace packages (whose real
 * paths are outside it) would then exist twice — once there, once loaded by Node — and core's
 * error classes would stop matching across the two. Listing them in `server.deps.external` makes
 * Node load them once, as it does for packages installed from a registry.
 */
export function ownPackagePatterns(): RegExp[] {
  const here = fileURLToPath(import.meta.url);
  const require = createRequire(here);
  const dirs = [path.dirname(realpathSync(here)), ...PACKAGES.map((name) => packageDir(require, name))];
  return dirs.filter((d): d is string => d !== undefined).map((d) => new RegExp(`^${escapeRegExp(d)}/`));
}
