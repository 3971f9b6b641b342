import type { HealthConfig } from '../../images/image-config.js';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

/**
 * `created_by` of a metadata step, as the classic builder writes it: the Cmd it would commit,
 * `[...shell, "#(nop) ", text]`, joined by spaces (hence the two spaces).
 */
export function nopText(shell: readonly string[], text: string): string {
  return `${[...shell, '#(nop) ', text].join(' ')}`;
}

/** COPY, ADD and WORKDIR use a one-argument comment: `[...shell, "#(nop) " + text]`. */
export function nopTextSingle(shell: readonly string[], text: string): string {
  return `${[...shell, `#(nop) ${text}`].join(' ')}`;
}

/** Go's `%q` of a `[]string`: `["a" "b"]` (moby formats CMD, ENTRYPOINT and SHELL this way). */
export function goQuoteList(items: readonly string[]): string {
  return `[${items.map((s) => goQuote(s)).join(' ')}]`;
}

/** Go's `%v` of a `[]string`: `[a b]` (VOLUME). */
export function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** strconv.Quote for the characters a Dockerfile can hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const escaped = GO_ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A duration in nanoseconds as Go prints a time.Duration (`30s`, `1m30s`, `0s`). */
export function goDuration(ns: number | undefined): string {
  if (ns === undefined || ns === 0) return '0s';
  const units: [string, number][] = [
    ['h', 3600e9],
    ['m', 60e9],
  ];
  let rest = ns;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0 || out === '') {
    if (out === '' && rest < 1e9) {
      if (rest >= 1e6) return `${rest / 1e6}ms`;
      if (rest >= 1e3) return `${rest / 1e3}µs`;
      return `${rest}ns`;
    }
    out += `${rest / 1e9}s`;
  }
  return out;
}

/** moby's `HEALTHCHECK %q` of the config struct, e.g. `&{["CMD-SHELL" "x"] "30s" "3s" "0s" "0s" '\x03'}`. */
export function healthText(h: HealthConfig): string {
  const retries = h.Retries ?? 0;
  return `HEALTHCHECK &{${goQuoteList(h.Test ?? [])} "${goDuration(h.Interval)}" "${goDuration(h.Timeout)}" "${goDuration(h.StartPeriod)}" "${goDuration(h.StartInterval)}" '\\x${retries.toString(16).padStart(2, '0')}'}`;
}
