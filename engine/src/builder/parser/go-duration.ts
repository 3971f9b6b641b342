const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX = 2n ** 63n - 1n;
const PART = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;

/**
 * Parses a Go duration string (`30s`, `1m30s`, `1.5h`, `250ms`, `0`) into nanoseconds, exactly as
 * Go's `time.ParseDuration` does (Docker parses HEALTHCHECK options with it). Throws an Error
 * naming what is wrong; callers add the location.
 */
export function parseGoDuration(input: string): number {
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`invalid duration ${JSON.stringify(input)}`);
  let total = 0n;
  while (s !== '') {
    const m = PART.exec(s);
    if (m === null && /^[0-9.]+$/.test(s)) {
      throw new Error(`missing unit in duration ${JSON.stringify(input)}: use ns, us, ms, s, m or h`);
    }
    if (m === null)
      throw new Error(
        `invalid duration ${JSON.stringify(input)}: expected a number and a unit (ns, us, ms, s, m, h)`,
      );
    const [whole, intDigits = '', fracDigits, unitName = ''] = m;
    if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) {
      throw new Error(`invalid duration ${JSON.stringify(input)}`);
    }
    const unit = UNITS[unitName];
    if (unit === undefined) {
      throw new Error(
        `unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}: use ns, us, ms, s, m or h`,
      );
    }
    let value = BigInt(intDigits || '0') * unit;
    if (fracDigits) value += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += value;
    if (total > MAX) throw new Error(`invalid duration ${JSON.stringify(input)}: too large`);
    s = s.slice(whole.length);
  }
  return Number(negative ? -total : total);
}
