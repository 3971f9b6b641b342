import { ShellLexer } from '../expand/shell-lexer.js';

/** A `<<NAME` marker found on an instruction line, before its body is read. */
export interface HeredocMarker {
  /** The word as written on the line (`<<-"EOF"`), to recognise it among COPY sources. */
  word: string;
  name: string;
  expand: boolean;
  chomp: boolean;
  fileDescriptor?: number;
}

const HEREDOC = /^(\d*)<<(-?)([^<]*)$/;

// Heredoc syntax is always read with `\`, whatever the escape directive (BuildKit does the same).
const lineLexer = () => new ShellLexer({ rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
const plainLexer = () => new ShellLexer({ skipUnsetEnv: true });
const rawQuoteLexer = () => new ShellLexer({ rawQuotes: true, skipUnsetEnv: true });

/**
 * Parses one shell word as a heredoc marker (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`), or
 * returns undefined. A delimiter with any quoting disables expansion of the body, as in sh.
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const m = HEREDOC.exec(word);
  if (m === null) return undefined;
  const rest = m[3] as string;
  if (rest.length === 0) return undefined;
  let words: string[];
  let raw: string[];
  try {
    words = plainLexer().processWords(rest);
    raw = rawQuoteLexer().processWords(rest);
  } catch {
    return undefined;
  }
  const name = words[0];
  if (words.length !== 1 || raw.length !== 1 || name === undefined) return undefined;
  const quotes = (s: string) => s.split('').filter((c) => c === '"' || c === "'").length;
  const marker: HeredocMarker = {
    word,
    name,
    expand: quotes(name) === quotes(raw[0] as string),
    chomp: m[2] === '-',
  };
  if (m[1] !== '') marker.fileDescriptor = Number(m[1]);
  return marker;
}

/** All heredoc markers on a shell-form line, in order (BuildKit's `heredocsFromLine`). */
export function findHeredocMarkers(line: string): HeredocMarker[] {
  if (!line.includes('<<')) return [];
  let words: string[];
  try {
    words = lineLexer().processWords(line);
  } catch {
    return [];
  }
  const markers: HeredocMarker[] = [];
  for (const word of words) {
    const marker = parseHeredocMarker(word);
    if (marker !== undefined) markers.push(marker);
  }
  return markers;
}

/** Strips leading tabs from every line (`<<-`). */
export function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, '');
}
