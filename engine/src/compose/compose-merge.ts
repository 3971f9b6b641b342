import { isObj, type Obj } from './compose-values.js';

/** Keys whose list form (`KEY=VALUE`) and mapping form merge as mappings. */
const KEY_VALUE_KEYS = new Set(['environment', 'labels', 'sysctls', 'args']);
/** Keys whose list of names and mapping of names merge as mappings (`depends_on: [db]`). */
const NAME_MAP_KEYS = new Set(['depends_on', 'networks']);
/** Values a later file replaces as a whole. */
const REPLACED_KEYS = new Set(['command', 'entrypoint', 'test']);

/**
 * Merges the compose files given with several `-f` in order (compose-spec "Merge and override"):
 * mappings merge key by key, a later scalar wins, `command`/`entrypoint`/`healthcheck.test` are
 * replaced, `environment`/`labels`/`depends_on`/`networks` merge by name whichever form each file
 * uses, a service's `volumes` merge by target and other lists append what is new.
 */
export function mergeComposeData(base: unknown, override: unknown): unknown {
  return mergeValue(base, override, undefined);
}

function mergeValue(base: unknown, override: unknown, key: string | undefined): unknown {
  if (override === undefined) return base;
  if (base === undefined || base === null) return override;
  if (key !== undefined && REPLACED_KEYS.has(key)) return override;
  if (key !== undefined && KEY_VALUE_KEYS.has(key)) return { ...keyValueMap(base), ...keyValueMap(override) };
  if (key !== undefined && NAME_MAP_KEYS.has(key)) return mergeObjects(nameMap(base), nameMap(override));
  if (key === 'volumes' && Array.isArray(base) && Array.isArray(override))
    return mergeByTarget(base, override);
  if (Array.isArray(base) && Array.isArray(override)) {
    const seen = new Set(base.map((v) => JSON.stringify(v)));
    return [...base, ...override.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  if (isObj(base) && isObj(override)) return mergeObjects(base, override);
  return override;
}

function mergeObjects(base: Obj, override: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = mergeValue(base[k], v, k);
  return out;
}

function keyValueMap(value: unknown): Obj {
  if (!Array.isArray(value)) return isObj(value) ? value : {};
  const out: Obj = {};
  for (const item of value) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq < 0) out[s] = null;
    else out[s.slice(0, eq)] = s.slice(eq + 1);
  }
  return out;
}

function nameMap(value: unknown): Obj {
  if (!Array.isArray(value)) return isObj(value) ? value : {};
  return Object.fromEntries(value.map((n) => [String(n), null]));
}

function mountTarget(item: unknown): string | undefined {
  if (isObj(item)) return typeof item.target === 'string' ? item.target : undefined;
  if (typeof item !== 'string') return undefined;
  const parts = item.split(':');
  return parts.length === 1 ? parts[0] : parts[1];
}

function mergeByTarget(base: unknown[], override: unknown[]): unknown[] {
  const targets = new Set(override.map(mountTarget));
  return [...base.filter((m) => !targets.has(mountTarget(m))), ...override];
}
