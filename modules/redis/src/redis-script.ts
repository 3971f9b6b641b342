/** One command of a script, with where it came from. */
export interface ScriptCommand {
  line: number;
  text: string;
  argv: string[];
}

export type SplitResult = { ok: true; argv: string[] } | { ok: false; reason: string };

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits a line the way `redis-cli` does (Redis's `sdssplitargs`): words separated by blanks;
 * "double quotes" with \n \r \t \b \a \xHH and \<char> escapes; 'single quotes' with only \'.
 * A closing quote must be followed by a blank or the end of the line.
 */
export function splitArgs(line: string): SplitResult {
  const argv: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && /\s/.test(line[i] ?? '')) i++;
    if (i >= n) return { ok: true, argv };
    let current = '';
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return { ok: false, reason: 'unbalanced double quote' };
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          const next = line[i + 1] ?? '';
          current += ESCAPES[next] ?? next;
          i++;
        } else if (c === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1] ?? ''))
            return { ok: false, reason: 'a closing quote must be followed by a space' };
          done = true;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === undefined) return { ok: false, reason: 'unbalanced single quote' };
        if (c === '\\' && line[i + 1] === "'") {
          current += "'";
          i++;
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1] ?? ''))
            return { ok: false, reason: 'a closing quote must be followed by a space' };
          done = true;
        } else {
          current += c;
        }
      } else if (c === undefined || /\s/.test(c)) {
        done = true;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        current += c;
      }
      if (i < n) i++;
    }
    argv.push(current);
  }
}

/**
 * Parses a script of commands, one per line, as `redis-cli < script` reads it. Blank lines and
 * lines starting with `#` are skipped.
 */
export function parseScript(
  text: string,
): { commands: ScriptCommand[] } | { error: { line: number; reason: string } } {
  const commands: ScriptCommand[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (trimmed.length === 0 || trimmed.startsWith('#')) continue;
    const split = splitArgs(raw);
    if (!split.ok) return { error: { line: i + 1, reason: split.reason } };
    commands.push({ line: i + 1, text: trimmed, argv: split.argv });
  }
  return { commands };
}
