/** One step of a compiled pattern. */
type Step =
  /** One character passing `test`. */
  | { kind: 'char'; test: (c: string) => boolean }
  /** `*`: any run of characters other than `/`. */
  | { kind: 'star' }
  /** `**\/` (or a `**` inside a pattern): nothing, or anything ending in `/`. */
  | { kind: 'deep' }
  /** A trailing `**` after other wildcards: anything. */
  | { kind: 'rest' };

const CLASS_SYNTAX = /[\\\]^[-]/;

function classChar(ch: string): string {
  return CLASS_SYNTAX.test(ch) ? `\\${ch}` : ch;
}

/** Reads a `[…]` class starting at `start` (the `[`); returns its test and the index after `]`. */
function readClass(pattern: string, start: number): { test: (c: string) => boolean; end: number } {
  let i = start + 1;
  let body = '';
  if (pattern[i] === '^') {
    body += '^';
    i++;
  }
  const one = (): string => {
    let ch = pattern[i++] as string;
    if (ch === '\\') ch = pattern[i++] as string;
    return classChar(ch);
  };
  let ranges = 0;
  while (i < pattern.length && !(pattern[i] === ']' && ranges > 0)) {
    body += one();
    if (pattern[i] === '-') {
      i++;
      body += `-${one()}`;
    }
    ranges++;
  }
  const re = new RegExp(`^[${body}]$`, 'u');
  return { test: (c) => re.test(c), end: i + 1 };
}

/**
 * Compiles a cleaned `.dockerignore` pattern the way moby/patternmatcher does (`*` and `?` stop at
 * `/`, `**` crosses directories, `**\/` may match nothing, `[…]` classes, `\` escapes; literal
 * patterns compare exactly, `foo/**` by prefix and `**\/foo` by suffix) but matches with a
 * state-set automaton instead of a backtracking RegExp: Docker's Go regexps run in linear time,
 * and patterns can come from a Dockerfile (`COPY --exclude`), so ours must too.
 * The pattern must have passed `globSyntaxProblem`.
 */
export function compileGlob(pattern: string): (path: string) => boolean {
  const steps: Step[] = [];
  let type: 'exact' | 'prefix' | 'suffix' | 'steps' = 'exact';
  const literal = (ch: string) => steps.push({ kind: 'char', test: (c) => c === ch });
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
            steps.push({ kind: 'rest' });
            type = 'steps';
          }
        } else {
          if (steps[steps.length - 1]?.kind !== 'deep') steps.push({ kind: 'deep' });
          type = 'steps';
        }
        if (atStart) type = 'suffix';
      } else {
        steps.push({ kind: 'star' });
        type = 'steps';
      }
    } else if (ch === '?') {
      steps.push({ kind: 'char', test: (c) => c !== '/' });
      type = 'steps';
    } else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) {
        literal('\\');
      } else {
        literal(next);
        i++;
        type = 'steps';
      }
    } else if (ch === '[') {
      const cls = readClass(pattern, i);
      steps.push({ kind: 'char', test: cls.test });
      i = cls.end - 1;
      type = 'steps';
    } else {
      literal(ch);
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
    default:
      return (path) => run(steps, path);
  }
}

/** Simulates the automaton over `path`: O(path length × steps), whatever the pattern. */
function run(steps: readonly Step[], path: string): boolean {
  const n = steps.length;
  // States 0..n are "before step p" (n accepts); n+1+p is "inside the deep step p".
  let current = new Uint8Array(2 * n + 2);
  let next = new Uint8Array(2 * n + 2);
  const add = (set: Uint8Array, p: number): void => {
    if (set[p] === 1) return;
    set[p] = 1;
    if (p < n && (steps[p] as Step).kind !== 'char') add(set, p + 1);
  };
  add(current, 0);
  for (const c of path) {
    next.fill(0);
    for (let p = 0; p < n; p++) {
      if (current[p] === 1) {
        const step = steps[p] as Step;
        switch (step.kind) {
          case 'char':
            if (step.test(c)) add(next, p + 1);
            break;
          case 'star':
            if (c !== '/') add(next, p);
            break;
          case 'rest':
            add(next, p);
            break;
          case 'deep':
            next[n + 1 + p] = 1;
            if (c === '/') add(next, p + 1);
            break;
        }
      }
      if (current[n + 1 + p] === 1) {
        next[n + 1 + p] = 1;
        if (c === '/') add(next, p + 1);
      }
    }
    [current, next] = [next, current];
  }
  return current[n] === 1;
}
