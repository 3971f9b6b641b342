import { didYouMean } from './suggest.js';
import type { Token } from './words.js';

export type FlagType = 'bool' | 'string' | 'strings';

/** The flags an instruction takes; `unsupported` ones are known but refused with their message. */
export type FlagSpec = Readonly<Record<string, FlagType | { unsupported: string }>>;

export type FailAt = (offset: number, detail: string) => never;

/** Flag values after parsing; lookups by name without the leading `--`. */
export class ParsedFlags {
  constructor(private readonly values: ReadonlyMap<string, { values: string[]; offset: number }>) {}

  string(name: string): string | undefined {
    return this.values.get(name)?.values[0];
  }

  bool(name: string): boolean {
    return this.values.get(name)?.values[0] === 'true';
  }

  strings(name: string): string[] {
    return this.values.get(name)?.values ?? [];
  }

  /** Where the flag was written, for errors about its value. */
  offset(name: string): number | undefined {
    return this.values.get(name)?.offset;
  }

  get size(): number {
    return this.values.size;
  }
}

/** Parses `--name=value` / `--name` words against an instruction's spec (Docker's BFlags rules). */
export function parseFlags(
  tokens: readonly Token[],
  spec: FlagSpec,
  instruction: string,
  fail: FailAt,
): ParsedFlags {
  const values = new Map<string, { values: string[]; offset: number }>();
  for (const token of tokens) {
    const body = token.value.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : body.slice(eq + 1);
    const rule = spec[name];
    if (rule === undefined) {
      const known = Object.keys(spec).filter((k) => typeof spec[k] === 'string');
      const hint = didYouMean(name, known, (s) => `--${s}`);
      const list =
        known.length === 0
          ? `; ${instruction} takes no flags`
          : `; ${instruction} accepts ${known.map((k) => `--${k}`).join(', ')}`;
      fail(token.offset, `unknown flag --${name} for ${instruction}${hint || list}`);
    }
    if (typeof rule === 'object') fail(token.offset, rule.unsupported);
    const previous = values.get(name);
    if (previous !== undefined && rule !== 'strings') fail(token.offset, `duplicate flag --${name}`);
    switch (rule) {
      case 'bool': {
        if (value === '')
          fail(token.offset, `missing a value on flag --${name}: use --${name} or --${name}=true|false`);
        const lower = (value ?? 'true').toLowerCase();
        if (lower !== 'true' && lower !== 'false') {
          fail(token.offset, `expecting a boolean value for flag --${name}, not ${JSON.stringify(value)}`);
        }
        values.set(name, { values: [lower], offset: token.offset });
        break;
      }
      case 'string':
      case 'strings': {
        if (value === undefined)
          fail(token.offset, `missing a value on flag --${name}: use --${name}=<value>`);
        if (previous !== undefined) previous.values.push(value);
        else values.set(name, { values: [value], offset: token.offset });
        break;
      }
    }
  }
  return new ParsedFlags(values);
}
