import type { SourcePosition } from '../dockerfile-syntax-error.js';

/** Where a physical line's text starts inside a logical line. */
interface Segment {
  offset: number;
  line: number;
  column: number;
}

/**
 * One instruction's text with its continuation lines joined (escape characters and comment lines
 * inside the continuation removed), and a map from offsets in that text back to file positions.
 */
export class LogicalLine {
  constructor(
    readonly text: string,
    private readonly segments: readonly Segment[],
    readonly startLine: number,
    readonly endLine: number,
  ) {}

  /** The file position of the character at `offset` (or just past the end). */
  position(offset: number): SourcePosition {
    let seg = this.segments[0] as Segment;
    for (const s of this.segments) {
      if (s.offset > offset) break;
      seg = s;
    }
    return { line: seg.line, column: seg.column + Math.max(0, offset - seg.offset) };
  }
}
