import type { ProgressMessage } from '../images/image-service.js';

const ESC = '\u001b[';

/**
 * Docker's terminal rendering of a JSON progress stream (pull, push): one line per layer id,
 * rewritten in place as its status and bar change (cursor up, clear line, write, cursor down);
 * messages without an id are printed below and scroll like any output.
 */
export class TerminalProgress {
  private readonly lineOf = new Map<string, number>();
  private lines = 0;

  constructor(
    private readonly write: (s: string) => void,
    private readonly columns: () => number = () => process.stdout.columns || 80,
  ) {}

  show(m: ProgressMessage): void {
    if (m.stream !== undefined) {
      this.append(m.stream.replace(/\n$/, ''));
      return;
    }
    if (!m.status) return;
    const text = this.fit(`${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}`);
    if (!m.id) {
      this.append(text);
      return;
    }
    const at = this.lineOf.get(m.id);
    if (at === undefined) {
      this.lineOf.set(m.id, this.lines);
      this.append(text);
      return;
    }
    const up = this.lines - at;
    this.write(`${ESC}${up}A\r${ESC}2K${text}\r${ESC}${up}B`);
  }

  private append(text: string): void {
    this.write(`${text}\n`);
    this.lines += text.split('\n').length;
  }

  /** A wrapped line would break the cursor arithmetic: cut it to the terminal width. */
  private fit(text: string): string {
    const width = Math.max(20, this.columns() - 1);
    return text.length > width ? text.slice(0, width) : text;
  }
}
