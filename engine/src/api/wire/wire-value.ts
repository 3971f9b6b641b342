import { InvalidArgumentError } from '../../errors.js';

/**
 * Readers for untrusted JSON: each returns the typed value or `undefined` when absent/null, and
 * throws a 400 naming the field and what was expected otherwise. Unknown keys are never an error.
 */
export type JsonObject = Record<string, unknown>;

function fail(field: string, expected: string, value: unknown): never {
  const shown = JSON.stringify(value);
  throw new InvalidArgumentError(
    `invalid ${field}: expected ${expected}, got ${shown === undefined ? String(value) : shown.slice(0, 100)}`,
  );
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optObject(obj: JsonObject, key: string, field = key): JsonObject | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(field, 'an object', v);
  return v;
}

export function optString(obj: JsonObject, key: string, field = key): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(field, 'a string', v);
  return v;
}

export function optBool(obj: JsonObject, key: string, field = key): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(field, 'true or false', v);
  return v;
}

export function optNumber(obj: JsonObject, key: string, field = key): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, 'a number', v);
  return v;
}

export function optInt(obj: JsonObject, key: string, field = key): number | undefined {
  const v = optNumber(obj, key, field);
  if (v !== undefined && !Number.isInteger(v)) fail(field, 'an integer', v);
  return v;
}

export function optStringArray(obj: JsonObject, key: string, field = key): string[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'string')) fail(field, 'a list of strings', v);
  return v as string[];
}

/** Go's `strslice.StrSlice`: a list of strings, or one string meaning a one-element list. */
export function optStrSlice(obj: JsonObject, key: string, field = key): string[] | undefined {
  const v = obj[key];
  if (typeof v === 'string') return [v];
  return optStringArray(obj, key, field);
}

export function optStringMap(obj: JsonObject, key: string, field = key): Record<string, string> | undefined {
  const v = optObject(obj, key, field);
  if (v === undefined) return undefined;
  for (const [k, e] of Object.entries(v)) {
    if (typeof e !== 'string') fail(`${field}.${k}`, 'a string', e);
  }
  return v as Record<string, string>;
}

export function optArray(obj: JsonObject, key: string, field = key): unknown[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(field, 'a list', v);
  return v;
}

export function requireObject(value: unknown, field: string): JsonObject {
  if (!isObject(value)) fail(field, 'a JSON object', value);
  return value;
}
