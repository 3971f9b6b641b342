import { InterpolationError, interpolate } from './interpolation.js';

/** A line of an env file that cannot be read; `line` is 1-based. */
export class EnvFileSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'EnvFileSyntaxError';
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$$' };

/**
 * Compose's env file format (`.env` next to the compose file, and `env_file:`): `KEY=VALUE` lines,
 * `#` comments, an optional `export ` prefix; double-quoted values may span lines and take
 * `\n`-style escapes, single-quoted ones are literal; unquoted values lose a trailing ` # comment`.
 * Values other than single-quoted ones are interpolated (`${OTHER}`) from the keys above them and
 * then `lookup`. A bare `KEY` takes its value from `lookup` and is left out when it has none.
 *
 * Hand-written rather than dotenv: compose's rules differ (bare keys, interpolation, quoting).
 */
export function parseEnvFile(
  text: string,
  lookup: (name: string) => string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  const scope = { lookup: (name: string) => out[name] ?? lookup(name) };
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) {
      throw new EnvFileSyntaxError(
        lineNo,
        `${JSON.stringify(key)} is not a variable name (expected KEY=VALUE)`,
      );
    }
    if (eq < 0) {
      const inherited = lookup(key);
      if (inherited !== undefined) out[key] = inherited;
      continue;
    }
    let rest = line.slice(eq + 1).trimStart();
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // A quoted value runs to its closing quote, possibly over several lines.
      let body = rest.slice(1);
      let close = findClose(body, quote);
      while (close < 0 && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i] ?? ''}`;
        close = findClose(body, quote);
      }
      if (close < 0) throw new EnvFileSyntaxError(lineNo, `the value of ${key} has no closing ${quote}`);
      const trailing = body.slice(close + 1).trim();
      if (trailing !== '' && !trailing.startsWith('#')) {
        throw new EnvFileSyntaxError(lineNo, `unexpected text after the quoted value of ${key}: ${trailing}`);
      }
      const raw = body.slice(0, close);
      out[key] =
        quote === "'"
          ? raw
          : expand(
              raw.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m),
              scope,
              lineNo,
            );
      continue;
    }
    const comment = rest.search(/\s#/);
    if (comment >= 0) rest = rest.slice(0, comment);
    out[key] = expand(rest.trim(), scope, lineNo);
  }
  return out;
}

function findClose(body: string, quote: string): number {
  for (let j = 0; j < body.length; j++) {
    if (quote === '"' && body[j] === '\\') j++;
    else if (body[j] === quote) return j;
  }
  return -1;
}

function expand(value: string, scope: { lookup: (n: string) => string | undefined }, line: number): string {
  try {
    return interpolate(value, scope);
  } catch (err: unknown) {
    if (err instanceof InterpolationError) throw new EnvFileSyntaxError(line, err.message);
    throw err;
  }
}
