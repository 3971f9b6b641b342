import { UsageError } from './units.js';

/** `--filter key=value` (repeatable) → the Docker filters JSON (map of arrays). */
export function filtersJson(entries: string[]): string | undefined {
  if (entries.length === 0) return undefined;
  const filters: Record<string, string[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value): ${entry}`, 1);
    const key = entry.slice(0, eq).trim().toLowerCase();
    filters[key] = [...(filters[key] ?? []), entry.slice(eq + 1)];
  }
  return JSON.stringify(filters);
}
