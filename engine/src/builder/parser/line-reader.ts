import type { SourcePosition } from '../dockerfile-syntax-error.js';
import { LogicalLine } from './logical-line.js';

const LEADING_SPACE = /^\s*/;

function isCommentLine(line: string): boolean {
  return line.replace(LEADING_SPACE, '').startsWith('#');
}

export interface ReaderIssue {
  position: SourcePosition;
  message: string;
}

/**
 * Reads a Dockerfile as Docker's parser does: comment lines (`#` after optional whitespace) and
 * blank lines between instructions are skipped; the escape character at the end of a line (spaces
 * after it allowed) continues the instruction; comment lines and blank lines inside a continuation
 * are dropped (blank ones with a warning). Here-document bodies are read on request, right after
 * the instruction line that opened them.
 */
export class LineReader {
  private readonly lines: string[];
  private next = 0;
  private continuation: RegExp;
  readonly warnings: ReaderIssue[] = [];

  constructor(text: string) {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines[0]?.startsWith('\uFEFF')) lines[0] = lines[0].slice(1);
    this.lines = lines;
    this.continuation = continuationPattern('\\');
  }

  /** Number of physical lines consumed so far (the 1-based number of the last line read). */
  get lineNumber(): number {
    return this.next;
  }

  get lineCount(): number {
    return this.lines.length;
  }

  /** The physical line `n` (1-based), without its line terminator. */
  physicalLine(n: number): string | undefined {
    const raw = this.lines[n - 1];
    return raw === undefined ? undefined : stripCr(raw);
  }

  setEscapeChar(escapeChar: string): void {
    this.continuation = continuationPattern(escapeChar);
  }

  /**
   * The next instruction's logical line, undefined at the end of the file, or an issue when a
   * continuation runs into the end of the file.
   */
  nextLogicalLine(): LogicalLine | ReaderIssue | undefined {
    while (this.next < this.lines.length) {
      const raw = stripCr(this.lines[this.next] as string);
      this.next++;
      const startLine = this.next;
      if (isCommentLine(raw)) continue;
      const trimmed = raw.replace(LEADING_SPACE, '');
      let { content, continues } = this.trimContinuation(trimmed);
      if (!continues && content.trim() === '') continue;
      const segments = [{ offset: 0, line: startLine, column: raw.length - trimmed.length + 1 }];
      let text = content;
      let escapeAt: SourcePosition = {
        line: startLine,
        column: raw.length - trimmed.length + content.length + 1,
      };
      while (continues) {
        if (this.next >= this.lines.length) {
          return {
            position: escapeAt,
            message:
              'unexpected end of file: the line continuation at the end of this line continues onto nothing; ' +
              'remove the trailing escape character',
          };
        }
        const cont = stripCr(this.lines[this.next] as string);
        this.next++;
        if (isCommentLine(cont)) continue;
        if (cont.trim() === '') {
          this.warnings.push({
            position: { line: this.next, column: 1 },
            message:
              'empty continuation line: the instruction continues past this blank line; ' +
              'Docker will reject this in a future release',
          });
          continue;
        }
        ({ content, continues } = this.trimContinuation(cont));
        segments.push({ offset: text.length, line: this.next, column: 1 });
        escapeAt = { line: this.next, column: content.length + 1 };
        text += content;
      }
      return new LogicalLine(text, segments, startLine, this.next);
    }
    return undefined;
  }

  /**
   * Reads a here-document body up to the line equal to `delimiter` (after stripping leading tabs
   * when `chomp`). Returns undefined when the file ends first.
   */
  readHeredoc(delimiter: string, chomp: boolean): { content: string; endLine: number } | undefined {
    let content = '';
    while (this.next < this.lines.length) {
      const raw = this.lines[this.next] as string;
      this.next++;
      let candidate = stripCr(raw);
      if (chomp) candidate = candidate.replace(/^\t+/, '');
      if (candidate === delimiter) return { content, endLine: this.next };
      content += `${raw}\n`;
    }
    return undefined;
  }

  private trimContinuation(line: string): { content: string; continues: boolean } {
    const m = this.continuation.exec(line);
    if (m === null) return { content: line, continues: false };
    return { content: line.slice(0, m.index), continues: true };
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function continuationPattern(escapeChar: string): RegExp {
  return new RegExp(`${escapeChar === '\\' ? '\\\\' : escapeChar}[ \\t]*$`);
}
