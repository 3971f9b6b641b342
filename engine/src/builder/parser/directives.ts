import { DockerfileSyntaxError } from '../dockerfile-syntax-error.js';

/** `# check=skip=RuleA,RuleB;error=true`: which lint rules to skip and whether warnings fail the build. */
export interface CheckDirective {
  skip: string[] | 'all';
  error: boolean;
}

export interface ParserDirectives {
  /** `# syntax=` (a BuildKit frontend image); recorded, not used: Skiff always builds with its own front end. */
  syntax?: string;
  /** `# escape=`: the escape and line-continuation character. */
  escape: '\\' | '`';
  check?: CheckDirective;
}

// Docker's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, written so it cannot backtrack
// quadratically on long runs of blanks: the value is trimmed by hand.
const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=(.*)$/;

function trimBlanks(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === ' ' || s[start] === '\t')) start++;
  while (end > start && (s[end - 1] === ' ' || s[end - 1] === '\t')) end--;
  return s.slice(start, end);
}
const KNOWN = new Set(['syntax', 'escape', 'check']);

/**
 * Reads the parser directives at the very top of a Dockerfile. Scanning stops at the first line
 * that is not a known directive (a blank line, an instruction, a plain comment or an unknown
 * `# key=value`, which counts as a comment); directives after that are ordinary comments, as in
 * Docker. Keys are case-insensitive and each may appear once.
 */
export function parseDirectives(lines: readonly string[], file: string): ParserDirectives {
  const result: ParserDirectives = { escape: '\\' };
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const m = DIRECTIVE.exec(line);
    const value = m === null ? '' : trimBlanks(m[2] as string);
    if (m === null || value === '') break;
    const key = (m[1] as string).toLowerCase();
    if (!KNOWN.has(key)) break;
    const position = { line: i + 1, column: 1 };
    if (seen.has(key)) {
      throw new DockerfileSyntaxError(file, position, `only one ${key} parser directive can be used`);
    }
    seen.add(key);
    if (key === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw new DockerfileSyntaxError(
          file,
          position,
          `invalid escape character ${JSON.stringify(value)}: the escape directive takes \\ or \``,
        );
      }
      result.escape = value;
    } else if (key === 'syntax') {
      result.syntax = value;
    } else {
      result.check = parseCheck(value, file, position);
    }
  }
  return result;
}

function parseCheck(value: string, file: string, position: { line: number; column: number }): CheckDirective {
  const check: CheckDirective = { skip: [], error: false };
  for (const part of value.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq).trim().toLowerCase();
    const v = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (key === 'skip') {
      check.skip =
        v.toLowerCase() === 'all'
          ? 'all'
          : v
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== '');
    } else if (key === 'error') {
      const lower = v.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        throw new DockerfileSyntaxError(
          file,
          position,
          `invalid check directive: error=${JSON.stringify(v)} must be true or false`,
        );
      }
      check.error = lower === 'true';
    } else {
      throw new DockerfileSyntaxError(
        file,
        position,
        `invalid check directive option ${JSON.stringify(item)}: expected skip=<rules|all> or error=<true|false>`,
      );
    }
  }
  return check;
}
