/** A `${…}` that cannot be expanded: bad syntax, or `${VAR:?message}` with VAR unset. */
export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

export interface InterpolationScope {
  lookup(name: string): string | undefined;
  /** A variable was used without a default and is not set: it expands to the empty string. */
  onUnset?(name: string): void;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Compose's variable interpolation (compose-spec "Interpolation"): `$VAR`, `${VAR}`,
 * `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`,
 * `${VAR:+replacement}` / `${VAR+replacement}`, and `$$` for a literal `$`. Defaults and
 * replacements are interpolated themselves (`${A:-${B}}`). A `$` that starts none of these is an
 * error, as in docker compose: the fix is to write `$$`.
 */
export function interpolate(text: string, scope: InterpolationScope): string {
  if (!text.includes('$')) return text;
  const [value, end] = expand(text, 0, scope, false);
  if (end !== text.length) throw new InterpolationError(`unexpected "}" at offset ${end}`);
  return value;
}

/** Expands from `start` until the end, or until an unmatched `}` when `nested`; returns the end offset. */
function expand(text: string, start: number, scope: InterpolationScope, nested: boolean): [string, number] {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (nested && c === '}') return [out, i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const [value, end] = braced(text, i + 2, scope);
      out += value;
      i = end;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j] ?? '')) j++;
      out += resolve(text.slice(i + 1, j), scope);
      i = j;
    } else {
      throw new InterpolationError(
        `invalid interpolation format in ${JSON.stringify(text)}: a "$" must start $VAR or \${VAR}; write "$$" for a literal "$"`,
      );
    }
  }
  if (nested) throw new InterpolationError(`unclosed "\${" in ${JSON.stringify(text)}`);
  return [out, i];
}

function resolve(name: string, scope: InterpolationScope): string {
  const value = scope.lookup(name);
  if (value === undefined) {
    scope.onUnset?.(name);
    return '';
  }
  return value;
}

/** Parses `NAME[op word]}` starting after `${`; returns the value and the offset after `}`. */
function braced(text: string, start: number, scope: InterpolationScope): [string, number] {
  let j = start;
  while (j < text.length && NAME_CHAR.test(text[j] ?? '')) j++;
  const name = text.slice(start, j);
  if (name === '' || !NAME_START.test(name[0] ?? '')) {
    throw new InterpolationError(
      `invalid interpolation format in ${JSON.stringify(text)}: \${ must be followed by a variable name`,
    );
  }
  if (text[j] === '}') return [resolve(name, scope), j + 1];
  const colon = text[j] === ':';
  const op = text[colon ? j + 1 : j];
  if (op !== '-' && op !== '?' && op !== '+') {
    throw new InterpolationError(
      `invalid interpolation format in ${JSON.stringify(text)}: unexpected ${JSON.stringify(text[j] ?? 'end')} after \${${name}`,
    );
  }
  const [word, end] = expand(text, j + (colon ? 2 : 1), scope, true);
  const raw = scope.lookup(name);
  const isSet = colon ? raw !== undefined && raw !== '' : raw !== undefined;
  if (op === '-') return [isSet ? (raw ?? '') : word, end + 1];
  if (op === '+') return [isSet ? word : '', end + 1];
  if (!isSet) {
    throw new InterpolationError(
      `required variable ${name} is ${raw === undefined ? 'not set' : 'empty'}${word ? `: ${word}` : ''}`,
    );
  }
  return [raw ?? '', end + 1];
}
