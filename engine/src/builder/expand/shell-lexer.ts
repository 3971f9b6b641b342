import { SkiffError } from '../../errors.js';

/** Looks a variable up; `undefined` means unset (which differs from set-but-empty for `${X-w}`). */
export type VariableLookup = (name: string) => string | undefined;

/** A word could not be expanded (bad `${…}`, unterminated quote, `${X:?}` on an unset X). No location yet. */
export class WordExpansionError extends SkiffError {
  constructor(message: string) {
    super('SKIFF_DOCKERFILE_SYNTAX', message);
  }
}

export interface ShellLexerOptions {
  /** The Dockerfile's escape character (`\` or `` ` ``). */
  escapeChar?: string;
  /** Keep quote characters in the output (used to find heredoc delimiters). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output (used to find heredoc delimiters). */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written instead of expanding them to "". */
  skipUnsetEnv?: boolean;
}

const NOT_SET: VariableLookup = () => undefined;

/** Collects words the way a shell splits them: unquoted whitespace separates, quoted text never does. */
class WordCollector {
  readonly words: string[] = [];
  private word = '';
  private inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRaw(ch);
    }
  }

  /** Expanded variable values split on whitespace like unquoted text. */
  addExpanded(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  addRaw(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) this.words.push(this.word);
    this.word = '';
    this.inWord = false;
    return this.words;
  }
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';
}

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}_]$/u;
const DIGIT = /^[0-9]$/;
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/**
 * Docker's word expansion (BuildKit `frontend/dockerfile/shell/lex.go`): `$VAR`, `${VAR}`,
 * `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?msg}`, `${VAR?msg}`, single quotes
 * (literal), double quotes (only `$`, `"` and the escape character are special) and the escape
 * character outside quotes. One lexer per escape character; it holds no per-call state.
 */
export class ShellLexer {
  readonly options: Readonly<Required<ShellLexerOptions>>;

  constructor(options: ShellLexerOptions = {}) {
    this.options = {
      escapeChar: options.escapeChar ?? '\\',
      rawQuotes: options.rawQuotes ?? false,
      rawEscapes: options.rawEscapes ?? false,
      skipUnsetEnv: options.skipUnsetEnv ?? false,
    };
  }

  /** Expands one word: quotes removed, variables substituted, whitespace kept. */
  processWord(word: string, lookup: VariableLookup = NOT_SET): string {
    return new WordScan(this.options, word, lookup).run(undefined).text;
  }

  /** Expands and splits into words: unquoted whitespace, including inside variable values, separates. */
  processWords(text: string, lookup: VariableLookup = NOT_SET): string[] {
    return new WordScan(this.options, text, lookup).run(undefined).words;
  }

  /**
   * Expands a here-document body the way a shell does for an unquoted delimiter: `$` expansions
   * apply, quotes are ordinary characters, and a backslash escapes only `$`, backquote, backslash and newline.
   */
  processHeredoc(body: string, lookup: VariableLookup = NOT_SET): string {
    return new WordScan(this.options, body, lookup).heredoc();
  }
}

class WordScan {
  private pos = 0;

  constructor(
    private readonly o: Readonly<Required<ShellLexerOptions>>,
    private readonly src: string,
    private readonly lookup: VariableLookup,
  ) {}

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private next(): string | undefined {
    const ch = this.src[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  run(stop: string | undefined): { text: string; words: string[] } {
    let text = '';
    const words = new WordCollector();
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (ch === stop) {
        this.pos++;
        return { text, words: words.finish() };
      }
      if (ch === "'") {
        const quoted = this.singleQuoted();
        text += quoted;
        words.addRaw(quoted);
      } else if (ch === '"') {
        const quoted = this.doubleQuoted();
        text += quoted;
        words.addRaw(quoted);
      } else if (ch === '$') {
        const value = this.dollar();
        text += value;
        words.addExpanded(value);
      } else {
        this.pos++;
        if (ch === this.o.escapeChar) {
          const escaped = this.next();
          if (escaped === undefined) break;
          const raw = this.o.rawEscapes ? ch + escaped : escaped;
          text += raw;
          words.addRaw(raw);
        } else {
          text += ch;
          words.addChar(ch);
        }
      }
    }
    if (stop !== undefined) {
      throw new WordExpansionError(`unexpected end of text while looking for a matching ${stop}`);
    }
    return { text, words: words.finish() };
  }

  heredoc(): string {
    let out = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.pos++;
      if (ch === '\\') {
        const following = this.peek();
        if (following === '$' || following === '`' || following === '\\') {
          out += following;
          this.pos++;
          continue;
        }
        if (following === '\n') {
          this.pos++;
          continue;
        }
      }
      out += ch;
    }
    return out;
  }

  private singleQuoted(): string {
    this.pos++;
    let out = this.o.rawQuotes ? "'" : '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) {
        throw new WordExpansionError('unexpected end of text while looking for a matching single quote');
      }
      if (ch === "'") return this.o.rawQuotes ? `${out}'` : out;
      out += ch;
    }
  }

  private doubleQuoted(): string {
    this.pos++;
    let out = this.o.rawQuotes ? '"' : '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) {
        throw new WordExpansionError('unexpected end of text while looking for a matching double quote');
      }
      if (ch === '"') {
        this.pos++;
        return this.o.rawQuotes ? `${out}"` : out;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.pos++;
      if (ch === this.o.escapeChar) {
        const following = this.peek();
        if (following === undefined) continue;
        if (following === '"' || following === '$' || following === this.o.escapeChar) {
          this.pos++;
          out += this.o.rawEscapes ? ch + following : following;
          continue;
        }
      }
      out += ch;
    }
  }

  private name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name.length === 0 && DIGIT.test(ch)) {
        while (this.peek() !== undefined && DIGIT.test(this.peek() as string)) name += this.next();
        return name;
      }
      if (name.length === 0 && SPECIAL_PARAMS.has(ch)) {
        this.pos++;
        return ch;
      }
      if (!LETTER_OR_DIGIT.test(ch)) break;
      name += ch;
      this.pos++;
    }
    return name;
  }

  private dollar(): string {
    this.pos++;
    if (this.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const value = this.lookup(name);
      if (value === undefined && this.o.skipUnsetEnv) return `$${name}`;
      return value ?? '';
    }
    this.pos++;
    const first = this.peek();
    if (first === undefined) throw new WordExpansionError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') {
      throw new WordExpansionError('syntax error: bad substitution');
    }
    const name = this.name();
    const op = this.next();
    const value = this.lookup(name);
    switch (op) {
      case '}':
        if (value === undefined && this.o.skipUnsetEnv) return `\${${name}}`;
        return value ?? '';
      case '?': {
        const word = this.operand();
        if (value === undefined)
          throw new WordExpansionError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      }
      case '+': {
        const word = this.operand();
        return value !== undefined ? word : '';
      }
      case '-': {
        const word = this.operand();
        return value !== undefined ? value : word;
      }
      case ':': {
        const modifier = this.next();
        const word = this.operand();
        switch (modifier) {
          case '+':
            return value ? word : '';
          case '-':
            return value ? value : word;
          case '?':
            if (value === undefined)
              throw new WordExpansionError(`${name}: ${word || 'is not allowed to be unset'}`);
            if (value === '')
              throw new WordExpansionError(`${name}: ${word || 'is not allowed to be empty'}`);
            return value;
          default:
            throw new WordExpansionError(
              `unsupported modifier (${modifier ?? 'end of text'}) in substitution \${${name}:…}: use :-, :+ or :?`,
            );
        }
      }
      case undefined:
        throw new WordExpansionError("syntax error: missing '}'");
      default:
        throw new WordExpansionError(
          `unsupported substitution \${${name}${op}…}: only \${VAR}, \${VAR:-default}, \${VAR-default}, ` +
            `\${VAR:+alternative}, \${VAR+alternative}, \${VAR:?message} and \${VAR?message} are supported`,
        );
    }
  }

  private operand(): string {
    try {
      return this.run('}').text;
    } catch (err: unknown) {
      if (this.peek() === undefined) throw new WordExpansionError("syntax error: missing '}'");
      throw err;
    }
  }
}
