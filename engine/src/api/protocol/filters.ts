import { InvalidArgumentError } from '../../errors.js';

export type Filters = Record<string, string[]>;

/**
 * Parses Docker's `filters` query value. The Go client sends a map of maps
 * (`{"label":{"a=b":true}}`), dockerode a map of arrays (`{"label":["a=b"]}`); moby's
 * `filters.FromJSON` accepts both, and so does this. Empty input means no filters.
 */
export function parseFilters(raw: string | null | undefined): Filters {
  if (raw === null || raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new InvalidArgumentError(`invalid filters: ${JSON.stringify(raw)} is not JSON`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`invalid filters: expected a JSON object, got ${JSON.stringify(raw)}`);
  }
  const out: Filters = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) {
      out[key] = value.map((v) => {
        if (typeof v !== 'string') throw invalidValue(key);
        return v;
      });
    } else if (typeof value === 'object' && value !== null) {
      // moby keeps every key of the inner map whatever its boolean; Go clients always send true.
      out[key] = Object.keys(value);
    } else if (typeof value === 'string') {
      out[key] = [value];
    } else {
      throw invalidValue(key);
    }
  }
  return out;
}

function invalidValue(key: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `invalid filter ${JSON.stringify(key)}: values must be a list of strings or a map of string to bool`,
  );
}

/** Rejects filter keys the endpoint does not know, with moby's wording. */
export function assertFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const key of Object.keys(filters)) {
    if (!allowed.includes(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
  }
}

/** The label filter semantics of moby's `MatchKVList`: `key` tests presence, `key=value` equality; all must hold. */
export function matchLabels(labels: Record<string, string>, wanted: readonly string[] | undefined): boolean {
  if (!wanted || wanted.length === 0) return true;
  return wanted.every((entry) => {
    const eq = entry.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, entry);
    return labels[entry.slice(0, eq)] === entry.slice(eq + 1);
  });
}
