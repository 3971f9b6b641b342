import { posix } from 'node:path';
import { compileGlob } from './glob-matcher.js';

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

type Matcher = (path: string) => boolean;

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
      compiled.push({ pattern: p, exclusion, matches: compileGlob(p) });
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
