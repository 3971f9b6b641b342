import { InvalidArgumentError } from '../errors.js';
import type { ImageRecord } from './image-record.js';
import { familiarName, familiarRepository, parseReference } from './reference.js';

export type ImageFilters = Record<string, string[]>;

const LIST_FILTERS = new Set(['dangling', 'label', 'reference', 'before', 'since']);
const PRUNE_FILTERS = new Set(['dangling', 'label', 'label!', 'until']);

/** Rejects filter names Docker would not accept here (`invalid filter 'x'`). */
export function checkFilterNames(filters: ImageFilters, which: 'list' | 'prune'): void {
  const allowed = which === 'list' ? LIST_FILTERS : PRUNE_FILTERS;
  for (const name of Object.keys(filters)) {
    if (!allowed.has(name)) {
      throw new InvalidArgumentError(`invalid filter '${name}': expected one of ${[...allowed].join(', ')}`);
    }
  }
}

/** `dangling=true|1|false|0`; undefined when the filter is absent. */
export function danglingFilter(filters: ImageFilters): boolean | undefined {
  const values = filters.dangling;
  if (values === undefined || values.length === 0) return undefined;
  const parsed = new Set(
    values.map((v) => {
      const s = v.toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      throw new InvalidArgumentError(`invalid filter 'dangling=${v}': expected true or false`);
    }),
  );
  if (parsed.size > 1) throw new InvalidArgumentError(`invalid filter 'dangling': give either true or false`);
  return parsed.has(true);
}

/** `label=key` or `label=key=value`, every one must match; `label!=…` none may. */
export function labelsMatch(
  labels: Record<string, string> | null | undefined,
  filters: ImageFilters,
): boolean {
  const has = (spec: string) => {
    const eq = spec.indexOf('=');
    const key = eq < 0 ? spec : spec.slice(0, eq);
    if (labels == null || !(key in labels)) return false;
    return eq < 0 || labels[key] === spec.slice(eq + 1);
  };
  return (filters.label ?? []).every(has) && !(filters['label!'] ?? []).some(has);
}

/**
 * `reference=pattern`: moby's FamiliarMatch — a glob (path.Match: `*` stops at `/`) against the
 * familiar name with tag, or, for patterns without a tag, the familiar repository.
 */
export function referenceMatches(record: ImageRecord, patterns: readonly string[]): boolean {
  const names = [...record.repoTags, ...record.repoDigests].map((n) => parseReference(n));
  return patterns.some((pattern) => {
    const re = globToRegExp(pattern);
    return names.some((ref) => re.test(familiarName(ref)) || re.test(familiarRepository(ref)));
  });
}

export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0)
        throw new InvalidArgumentError(`invalid reference filter pattern ${JSON.stringify(pattern)}`);
      const body = pattern
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      out += `[${body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += escapeRe(pattern[++i] as string);
    } else out += escapeRe(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The image's creation time in ms: the config's `created`, else when it was added here. */
export function createdMs(record: ImageRecord): number {
  const t = record.config.created ? Date.parse(record.config.created) : Number.NaN;
  return Number.isNaN(t) ? record.addedAt : t;
}

/** `until=<timestamp>`: RFC 3339, a date, unix seconds, or a Go duration ago (`24h`, `10m`). */
export function parseUntil(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(\d+)(s|m|h)$/.exec(value);
  if (duration) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000 }[duration[2] as 's' | 'm' | 'h'];
    return now - Number(duration[1]) * unit;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new InvalidArgumentError(
      `invalid filter 'until=${value}': expected a timestamp or a duration like 24h`,
    );
  }
  return t;
}
