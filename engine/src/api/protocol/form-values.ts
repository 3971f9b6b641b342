import { InvalidArgumentError } from '../../errors.js';

/**
 * Query-string values the way moby reads them (`daemon/server/httputils/form.go`). dockerode sends
 * `true`/`false`, the docker CLI `1`/`0`, and both send empty values for "unset".
 */

/** moby's BoolValue: `""`, `0`, `no`, `false` and `none` are false, anything else is true. */
export function parseBool(value: string | null | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  return !(v === '' || v === '0' || v === 'no' || v === 'false' || v === 'none');
}

/** BoolValueOrDefault: an absent key gives `fallback`; a present one (even empty) is parsed. */
export function boolParam(query: URLSearchParams, key: string, fallback = false): boolean {
  return query.has(key) ? parseBool(query.get(key)) : fallback;
}

/** An integer query value; empty or absent gives `undefined`, garbage a 400. */
export function intParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!Number.isInteger(value)) {
    throw new InvalidArgumentError(`invalid value for ${key}: ${JSON.stringify(raw)} is not an integer`);
  }
  return value;
}

/** A number that may be fractional (`since=1704067200.000000000`). */
export function numberParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!Number.isFinite(value)) {
    throw new InvalidArgumentError(`invalid value for ${key}: ${JSON.stringify(raw)} is not a number`);
  }
  return value;
}

/** A string query value; empty counts as unset. */
export function stringParam(query: URLSearchParams, key: string): string | undefined {
  const raw = query.get(key);
  return raw === null || raw === '' ? undefined : raw;
}

/**
 * Docker's timestamps in `since`/`until`: unix seconds with optional fraction, or RFC 3339. Returns
 * unix seconds. (moby also accepts durations relative to now on the CLI side only.)
 */
export function timestampParam(query: URLSearchParams, key: string): number | undefined {
  const raw = stringParam(query, key);
  if (raw === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError(
      `invalid value for ${key}: ${JSON.stringify(raw)} is neither unix seconds nor an RFC 3339 time`,
    );
  }
  return ms / 1000;
}
