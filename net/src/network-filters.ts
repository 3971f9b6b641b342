import { InvalidArgumentError } from './errors.js';
import type { NetworkRecord } from './types.js';

/** Filter keys `GET /networks` and `POST /networks/prune` accept (moby `daemon/network/filter.go`). */
const LIST_KEYS = new Set(['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling']);
const PRUNE_KEYS = new Set(['label', 'label!', 'until']);

export type Filters = Record<string, string[]>;

export function validateFilters(filters: Filters, kind: 'list' | 'prune'): void {
  const allowed = kind === 'list' ? LIST_KEYS : PRUNE_KEYS;
  for (const [key, values] of Object.entries(filters)) {
    if (!allowed.has(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
    if (key === 'type') {
      for (const v of values) {
        if (v !== 'custom' && v !== 'builtin')
          throw new InvalidArgumentError(`invalid filter: 'type'='${v}'`);
      }
    }
    if (key === 'dangling') {
      for (const v of values) {
        if (!['true', 'false', '1', '0'].includes(v)) {
          throw new InvalidArgumentError(`invalid filter 'dangling=${v}': expected true or false`);
        }
      }
    }
  }
}

/** `key` tests presence, `key=value` equality; several label filters must all match (Docker ANDs them). */
export function matchesLabels(labels: Record<string, string>, wanted: string[] | undefined): boolean {
  return (wanted ?? []).every((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return Object.hasOwn(labels, w);
    return labels[w.slice(0, eq)] === w.slice(eq + 1);
  });
}

/** Docker semantics: values of one key are ORed, keys are ANDed; name and id match a part of the value. */
export function matchesListFilters(network: NetworkRecord, filters: Filters, endpointCount: number): boolean {
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters[key];
    return !values || values.length === 0 || values.some(test);
  };
  return (
    any('name', (v) => network.name.includes(v)) &&
    any('id', (v) => network.id.includes(v)) &&
    any('driver', (v) => network.driver === v) &&
    any('scope', (v) => v === 'local') &&
    any('type', (v) => (v === 'builtin') === network.builtIn) &&
    any('dangling', (v) => (v === 'true' || v === '1') === (endpointCount === 0 && !network.builtIn)) &&
    matchesLabels(network.labels, filters['label'])
  );
}

/** `until` takes a timestamp (RFC 3339 or unix seconds) or a Go-style duration before now (`10m`, `1h30m`). */
export function parseUntil(value: string, now: Date): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (duration && value.length > 0) {
    const [, h, m, s] = duration;
    return now.getTime() - ((Number(h ?? 0) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0)) * 1000;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new InvalidArgumentError(
      `invalid filter 'until=${value}': expected a timestamp or a duration like 10m`,
    );
  return parsed;
}

export function matchesPruneFilters(network: NetworkRecord, filters: Filters, now: Date): boolean {
  if (!matchesLabels(network.labels, filters['label'])) return false;
  const excluded = filters['label!'] ?? [];
  if (excluded.length > 0 && excluded.some((l) => matchesLabels(network.labels, [l]))) return false;
  for (const u of filters['until'] ?? []) {
    if (Date.parse(network.created) >= parseUntil(u, now)) return false;
  }
  return true;
}
