const BINARY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * docker/go-units RAMInBytes, what Docker reads `--memory`, `--shm-size`, compose sizes and the
 * json-file `max-size` with: `512m`, `1.5g`, `64MiB`, `1024` (bytes), binary units. Undefined
 * when the text is not a size; callers say what was wrong where.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text.trim());
  const unit = BINARY_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}
