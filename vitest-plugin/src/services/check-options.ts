import { ServiceConfigError } from './service-errors.js';

/**
 * Rejects option keys a declaration does not know, naming the closest known one: a typo such as
 * `databse` must fail before anything starts instead of being ignored.
 */
export function checkOptions(kind: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ServiceConfigError(`${kind}() options must be an object, got ${JSON.stringify(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const closest = known
      .map((k) => ({ k, d: editDistance(k.toLowerCase(), key.toLowerCase()) }))
      .sort((a, b) => a.d - b.d)[0];
    const hint = closest && closest.d <= Math.max(2, key.length / 3) ? ` Did you mean "${closest.k}"?` : '';
    throw new ServiceConfigError(
      `unknown ${kind}() option "${key}".${hint} Known options: ${known.join(', ')}`,
    );
  }
}

/** Levenshtein distance; option names are short, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
