/** Flag value parsers shared by the CLI commands (docker/go-units and Go's time.ParseDuration). */
import { parseByteSize } from '../util/byte-size.js';

export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 125) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}

/** go-units RAMInBytes: `512m`, `1.5g`, `64MiB`, `1024` (bytes). */
export function parseBytes(text: string, flag: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined) {
    throw new UsageError(
      `invalid size ${JSON.stringify(text)} for ${flag}: use a number with an optional unit (b, k, m, g)`,
    );
  }
  return bytes;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds: `30s`, `1m30s`, `500ms`. */
export function parseDurationNs(text: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? 0);
    consumed = re.lastIndex;
  }
  if (text === '0') return 0;
  if (consumed !== text.length || text.length === 0) {
    throw new UsageError(`invalid duration ${JSON.stringify(text)} for ${flag}: use e.g. 30s, 1m30s, 500ms`);
  }
  return Math.round(total);
}

/**
 * `--since`/`--until` of logs: unix seconds, RFC 3339, or a duration back from now (`10m`).
 * Returns what the API takes: unix seconds as text.
 */
export function parseTimestampFlag(text: string, flag: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(text)) return text;
  const ms = Date.parse(text);
  if (!Number.isNaN(ms)) return (ms / 1000).toFixed(9);
  const ns = parseDurationNs(text, flag);
  return ((now - ns / 1e6) / 1000).toFixed(9);
}

export function parseIntFlag(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim()))
    throw new UsageError(`invalid value ${JSON.stringify(text)} for ${flag}: expected an integer`);
  return Number(text);
}

/** Collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `k=v` entries (repeatable `--label`, `--opt`); a bare key gets the empty value, as in docker. */
export function keyValues(entries: string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    map[eq < 0 ? e : e.slice(0, eq)] = eq < 0 ? '' : e.slice(eq + 1);
  }
  return map;
}
