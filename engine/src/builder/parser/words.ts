/** A word of an instruction line and where it starts in the logical line's text. */
export interface Token {
  value: string;
  offset: number;
}

const SPACE = /\s/;

function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

/** Splits on runs of whitespace, nothing else (Docker's `parseStringsWhitespaceDelimited`). */
export function splitWhitespace(text: string, base = 0): Token[] {
  const tokens: Token[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === undefined || isSpace(ch)) {
      if (start >= 0) {
        tokens.push({ value: text.slice(start, i), offset: base + start });
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  return tokens;
}

/** The first whitespace-delimited word and the trimmed remainder (with its offset). */
export function splitFirstWord(text: string, base = 0): { first: Token; rest: string; restOffset: number } {
  let i = 0;
  while (i < text.length && isSpace(text[i] as string)) i++;
  const start = i;
  while (i < text.length && !isSpace(text[i] as string)) i++;
  const first = { value: text.slice(start, i), offset: base + start };
  while (i < text.length && isSpace(text[i] as string)) i++;
  return { first, rest: text.slice(i).trimEnd(), restOffset: base + i };
}

/**
 * Splits into words the way Docker's parser does for ENV, LABEL and ARG (`parseWords`):
 * whitespace separates except inside quotes, and quotes and escape characters are *kept* in the
 * word, to be removed when the word is expanded.
 */
export function parseWords(text: string, escapeChar: string, base = 0): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let start = -1;
  let quote = '';
  let blankOk = false;
  let i = 0;
  const flush = () => {
    if (blankOk || word.length > 0) tokens.push({ value: word, offset: base + start });
    word = '';
    start = -1;
    blankOk = false;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (quote === '') {
      if (isSpace(ch)) {
        if (start >= 0) flush();
        i++;
        continue;
      }
      if (start < 0) start = i;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      } else if (ch === escapeChar) {
        if (i + 1 === text.length) break;
        word += ch;
        i++;
      }
      word += text[i];
      i++;
      continue;
    }
    if (ch === quote) {
      quote = '';
    } else if (ch === escapeChar && quote !== "'") {
      if (i + 1 === text.length) {
        quote = '';
        i++;
        continue;
      }
      word += ch;
      i++;
    }
    word += text[i];
    i++;
  }
  if (start >= 0) flush();
  return tokens;
}

/**
 * Takes the leading `--name[=value]` words off an instruction's arguments (Docker's
 * `extractBuilderFlags`): quotes inside a flag group words and are removed, a backslash escapes
 * the next character, and a bare `--` ends the flags.
 */
export function extractFlags(text: string, base = 0): { flags: Token[]; rest: string; restOffset: number } {
  const flags: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text[i] as string)) i++;
    if (i >= text.length) return { flags, rest: '', restOffset: base + i };
    if (text[i] !== '-' || text[i + 1] !== '-') {
      return { flags, rest: text.slice(i).trimEnd(), restOffset: base + i };
    }
    const start = i;
    let word = '';
    let quote = '';
    let blankOk = false;
    while (i < text.length) {
      const ch = text[i] as string;
      if (quote === '' && isSpace(ch)) break;
      i++;
      if (quote !== '' && ch === quote) {
        quote = '';
      } else if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
        blankOk = true;
      } else if (ch === '\\') {
        if (i < text.length) word += text[i++];
      } else {
        word += ch;
      }
    }
    if (word === '--') {
      while (i < text.length && isSpace(text[i] as string)) i++;
      return { flags, rest: text.slice(i).trimEnd(), restOffset: base + i };
    }
    if (blankOk || word.length > 0) flags.push({ value: word, offset: base + start });
  }
}
