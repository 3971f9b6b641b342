import { posix } from 'node:path';

/** Go's `filepath.Clean` for slash-separated paths: `./a//b/` → `a/b`, `` → `.`. */
export function cleanPath(p: string): string {
  const normalized = posix.normalize(p);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/**
 * Checks a pattern against Go's `filepath.Match` syntax (Docker refuses patterns it rejects):
 * character classes must be closed and non-empty, ranges complete, and `\` must escape something.
 * Returns a message, or undefined when valid.
 */
export function globSyntaxProblem(pattern: string): string | undefined {
  let i = 0;
  const escaped = (): string | undefined => {
    // Go's getEsc: one (possibly escaped) character of a class, not `-` or `]`.
    const ch = pattern[i];
    if (ch === undefined || ch === '-' || ch === ']') return 'bad character range in class';
    i++;
    if (ch === '\\') {
      if (pattern[i] === undefined) return 'trailing backslash in class';
      i++;
    }
    if (pattern[i] === undefined) return 'unterminated character class';
    return undefined;
  };
  while (i < pattern.length) {
    const ch = pattern[i++];
    if (ch === '\\') {
      if (i >= pattern.length) return 'trailing backslash';
      i++;
    } else if (ch === '[') {
      if (pattern[i] === '^') i++;
      let ranges = 0;
      for (;;) {
        if (pattern[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        const lo = escaped();
        if (lo !== undefined) return lo;
        if (pattern[i] === '-') {
          i++;
          const hi = escaped();
          if (hi !== undefined) return hi;
        }
        ranges++;
      }
    }
  }
  return undefined;
}

const REGEX_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

type Matcher = (path: string) => boolean;

/**
 * Compiles a cleaned pattern the way moby/patternmatcher does: `*` and `?` stop at `/`, `**`
 * crosses directories (`**\/` may match nothing), `[…]` classes as in Go; literal patterns compare
 * exactly and `foo/**` / `**\/foo` use prefix and suffix tests.
 */
function compile(pattern: string): Matcher {
  let regex = '^';
  let type: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        const atStart = i === 0;
        i++;
        if (pattern[i + 1] === '/') i++;
        if (i + 1 >= pattern.length) {
          if (type === 'exact') {
            type = 'prefix';
          } else {
            regex += '.*';
            type = 'regexp';
          }
        } else {
          regex += '(.*/)?';
          type = 'regexp';
        }
        if (atStart) type = 'suffix';
      } else {
        regex += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      regex += '[^/]';
      type = 'regexp';
    } else if (REGEX_SPECIAL.has(ch)) {
      regex += `\\${ch}`;
    } else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) {
        regex += '\\\\';
      } else {
        // An escaped character is literal (Go filepath.Match), never a regexp class like \d.
        regex += /[A-Za-z0-9]/.test(next) ? next : `\\${next}`;
        i++;
        type = 'regexp';
      }
    } else if (ch === '[' || ch === ']') {
      regex += ch;
      type = 'regexp';
    } else {
      regex += ch;
    }
  }
  switch (type) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    default: {
      const re = new RegExp(`${regex}$`);
      return (path) => re.test(path);
    }
  }
}

export interface IgnorePattern {
  /** The cleaned pattern without its `!`. */
  readonly pattern: string;
  /** A `!pattern` that re-includes what earlier patterns excluded. */
  readonly exclusion: boolean;
  readonly matches: Matcher;
}

/**
 * Docker's `.dockerignore` matcher (moby/patternmatcher `MatchesOrParentMatches`): a path is
 * excluded when the last pattern matching it, or matching one of its parent directories, is not an
 * exception.
 */
export class PatternMatcher {
  readonly patterns: readonly IgnorePattern[];
  readonly hasExclusions: boolean;

  /** Throws an Error naming the first invalid pattern. */
  constructor(patterns: readonly string[]) {
    const compiled: IgnorePattern[] = [];
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = cleanPath(p);
      const exclusion = p.startsWith('!');
      if (exclusion) {
        if (p.length === 1) throw new Error('illegal exclusion pattern: "!"');
        p = p.slice(1);
      }
      const problem = globSyntaxProblem(p);
      if (problem !== undefined) throw new Error(`bad pattern ${JSON.stringify(raw)}: ${problem}`);
      compiled.push({ pattern: p, exclusion, matches: compile(p) });
    }
    this.patterns = compiled;
    this.hasExclusions = compiled.some((p) => p.exclusion);
  }

  /** Whether the slash-separated relative path is excluded. */
  matches(file: string): boolean {
    const path = cleanPath(file);
    const parent = posix.dirname(path);
    const parentDirs = parent.split('/');
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue;
      let match = p.matches(path);
      if (!match && parent !== '.') {
        for (let i = 1; i <= parentDirs.length && !match; i++)
          match = p.matches(parentDirs.slice(0, i).join('/'));
      }
      if (match) matched = !p.exclusion;
    }
    return matched;
  }
}
