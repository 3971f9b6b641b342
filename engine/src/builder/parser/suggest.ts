/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `input` (case-insensitive), if it is close enough to be a likely typo:
 * at most 2 edits, and no more than half the input's length.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    // The distance is at least the length difference: skip the quadratic work for hopeless pairs.
    if (Math.abs(candidate.length - lower.length) > 2) continue;
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined || bestDistance > 2 || bestDistance * 2 > Math.max(lower.length, 2))
    return undefined;
  return best;
}

/** ` (did you mean X?)` or the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>, format = (s: string) => s): string {
  const hit = closest(input, candidates);
  return hit === undefined ? '' : ` (did you mean ${format(hit)}?)`;
}
