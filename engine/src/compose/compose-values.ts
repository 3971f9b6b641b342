import { parseDurationNs } from '../cli/units.js';
import { parseByteSize } from '../util/byte-size.js';
import type { ComposeProblem, ComposeProblemKind } from './compose-errors.js';
import { pathText } from './compose-file-reader.js';
import { suggestKey } from './compose-schema.js';
import type { LocationIndex } from './source-location.js';

export type Path = readonly (string | number)[];
export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Collects problems while the merged document is read, each placed at the location of its path,
 * and reads typed values: a value of the wrong type is a problem (and `undefined`), not an
 * exception, so one run reports everything that is wrong.
 */
export class ProblemSink {
  readonly problems: ComposeProblem[] = [];

  constructor(private readonly locations: LocationIndex) {}

  add(kind: ComposeProblemKind, path: Path, message: string): void {
    const location = this.locations.find(path);
    this.problems.push(location ? { kind, message, location } : { kind, message });
  }

  /** `what` names the thing in messages: `service "db"`, `network "backend"`. */
  invalid(path: Path, what: string, message: string): void {
    this.add('invalid-value', path, `${what}: ${message}`);
  }

  /**
   * Reports keys of `obj` that are unknown (with a did-you-mean) or known to compose but not
   * implemented here. `x-*` keys are extensions and allowed when `extensions` is true.
   */
  checkKeys(
    obj: Obj,
    path: Path,
    what: string,
    known: ReadonlySet<string>,
    unsupported: ReadonlySet<string> = new Set(),
    extensions = false,
  ): void {
    for (const key of Object.keys(obj)) {
      if (known.has(key) || (extensions && key.startsWith('x-'))) continue;
      if (unsupported.has(key)) {
        this.add(
          'unsupported-key',
          [...path, key],
          `${what}: "${key}" is not supported by skiff up; remove it (or move it to an x- extension field)`,
        );
        continue;
      }
      const hint = suggestKey(key, known);
      this.add(
        'unknown-key',
        [...path, key],
        `${what}: unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
  }

  obj(value: unknown, path: Path, what: string): Obj | undefined {
    if (value === undefined || value === null) return undefined;
    if (isObj(value)) return value;
    this.invalid(path, what, `${pathText(path)} must be a mapping`);
    return undefined;
  }

  str(value: unknown, path: Path, what: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    this.invalid(path, what, `${pathText(path)} must be a string`);
    return undefined;
  }

  bool(value: unknown, path: Path, what: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.invalid(path, what, `${pathText(path)} must be true or false`);
    return undefined;
  }

  int(value: unknown, path: Path, what: string, min = 0): number | undefined {
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n === 'number' && Number.isInteger(n) && n >= min) return n;
    this.invalid(path, what, `${pathText(path)} must be a whole number of at least ${min}`);
    return undefined;
  }

  /** A string or a list of strings (`dns`, `tmpfs`, `profiles`…); a single string becomes a one-item list. */
  strList(value: unknown, path: Path, what: string): string[] {
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value)) {
      this.invalid(path, what, `${pathText(path)} must be a string or a list of strings`);
      return [];
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      const s = this.str(item, [...path, i], what);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  /**
   * A command-like value: a list is taken as is; a string is split like a shell would split words
   * (quotes respected, no expansion), as docker compose does.
   */
  command(value: unknown, path: Path, what: string): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') {
      try {
        return splitWords(value);
      } catch (err: unknown) {
        this.invalid(path, what, `${pathText(path)}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    }
    if (Array.isArray(value)) return this.strList(value, path, what);
    this.invalid(path, what, `${pathText(path)} must be a string or a list of strings`);
    return undefined;
  }

  /**
   * `environment`, `labels`, `args`, `sysctls`, `extra_hosts`-like values: a mapping or a list of
   * `KEY=VALUE`. A list item without `=` (or a mapping value of null) is `undefined`: the caller
   * decides (environment takes the shell's value).
   */
  keyValues(value: unknown, path: Path, what: string, separator = '='): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    if (value === undefined || value === null) return out;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        const s = this.str(item, [...path, i], what);
        if (s === undefined) return;
        const eq = s.indexOf(separator);
        if (eq === 0) this.invalid([...path, i], what, `${JSON.stringify(s)} has an empty name`);
        else if (eq < 0) out.set(s, undefined);
        else out.set(s.slice(0, eq), s.slice(eq + separator.length));
      });
      return out;
    }
    if (isObj(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (v === null || v === undefined) out.set(k, undefined);
        else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
          out.set(k, String(v));
        else this.invalid([...path, k], what, `the value of ${k} must be a string, a number or a boolean`);
      }
      return out;
    }
    this.invalid(path, what, `${pathText(path)} must be a mapping or a list of ${`KEY${separator}VALUE`}`);
    return out;
  }

  /** A Go duration (`1m30s`, `500ms`) in nanoseconds. A bare number is refused: its unit would be a guess. */
  duration(value: unknown, path: Path, what: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') {
      try {
        return parseDurationNs(value.trim(), pathText(path));
      } catch {
        // falls through to the problem below
      }
    }
    this.invalid(
      path,
      what,
      `${pathText(path)} must be a duration like 30s, 1m30s or 500ms (got ${JSON.stringify(value)})`,
    );
    return undefined;
  }

  /** A byte size: a number of bytes, or `64m`, `1g`, `512mb`. */
  bytes(value: unknown, path: Path, what: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    if (typeof value === 'string') {
      const bytes = parseByteSize(value);
      if (bytes !== undefined) return bytes;
    }
    this.invalid(
      path,
      what,
      `${pathText(path)} must be a size like 64m or 1g (got ${JSON.stringify(value)})`,
    );
    return undefined;
  }

  suggest(name: string, known: Iterable<string>): string {
    const hint = suggestKey(name, known);
    return hint ? ` (did you mean "${hint}"?)` : '';
  }
}

/** Shell-style word splitting without expansion: `sh -c 'echo "a b"'` → [`sh`, `-c`, `echo "a b"`]. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote) {
      if (c === quote) quote = undefined;
      else if (quote === '"' && c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] ?? '')) {
        current += text[++i];
      } else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in ${JSON.stringify(text)}`);
  if (inWord) words.push(current);
  return words;
}
