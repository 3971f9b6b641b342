import type { Dockerfile, Stage } from '../dockerfile.js';
import { DockerfileSyntaxError, type DockerfileWarning } from '../dockerfile-syntax-error.js';
import type { ArgInstruction, Instruction, SourceLocation } from '../instruction.js';
import { type ParserDirectives, parseDirectives } from './directives.js';
import type { InstructionInput } from './instruction-input.js';
import { LineReader } from './line-reader.js';
import type { LogicalLine } from './logical-line.js';
import { INSTRUCTION_KINDS, isInstructionKind, parseInstructionInput } from './parse-instruction.js';
import { didYouMean } from './suggest.js';
import { extractFlags, splitFirstWord } from './words.js';

export interface ParseOptions {
  /** The name errors and locations use; default `Dockerfile`. */
  file?: string;
}

interface InstructionList {
  directives: ParserDirectives;
  instructions: Instruction[];
  warnings: DockerfileWarning[];
  lineCount: number;
}

/**
 * Parses a Dockerfile into stages of typed instructions. Throws DockerfileSyntaxError (with file,
 * line and column) on the first problem: unknown instructions or flags, malformed arguments,
 * unterminated heredocs, a continuation at the end of the file, no FROM, an instruction other than
 * ARG before the first FROM, bad or duplicate stage names.
 */
export function parseDockerfile(text: string, options: ParseOptions = {}): Dockerfile {
  const file = options.file ?? 'Dockerfile';
  const { directives, instructions, warnings, lineCount } = readInstructions(text, file, true);
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const named = new Map<string, Stage>();
  for (const instruction of instructions) {
    if (instruction.kind === 'FROM') {
      const stage: Stage = { index: stages.length, from: instruction, instructions: [] };
      if (instruction.stageName !== undefined) {
        const previous = named.get(instruction.stageName);
        if (previous !== undefined) {
          throw errorAt(
            instruction.location,
            `duplicate stage name ${JSON.stringify(instruction.stageName)}: stage ${previous.index} on line ${previous.from.location.startLine} already has it`,
          );
        }
        stage.name = instruction.stageName;
        named.set(stage.name, stage);
      }
      stages.push(stage);
      continue;
    }
    const current = stages[stages.length - 1];
    if (current !== undefined) {
      current.instructions.push(instruction);
    } else if (instruction.kind === 'ARG') {
      globalArgs.push(instruction);
    } else {
      throw errorAt(
        instruction.location,
        `${instruction.kind} before the first FROM: only ARG instructions may come before FROM`,
      );
    }
  }
  if (stages.length === 0) {
    const last = instructions[instructions.length - 1];
    throw last === undefined
      ? new DockerfileSyntaxError(
          file,
          { line: Math.max(1, lineCount), column: 1 },
          'the Dockerfile has no instructions: it needs at least a FROM',
        )
      : errorAt(last.location, 'no FROM instruction: a Dockerfile needs a FROM after its global ARGs');
  }
  return { file, directives, escapeChar: directives.escape, globalArgs, stages, warnings };
}

/**
 * Parses a sequence of instructions that is not a whole Dockerfile: an image's ONBUILD triggers,
 * or `--change` lines. No directives, no FROM required (FROM is still parsed if present).
 */
export function parseInstructions(text: string, options: ParseOptions = {}): Instruction[] {
  return readInstructions(text, options.file ?? 'Dockerfile', false).instructions;
}

function errorAt(location: SourceLocation, detail: string): DockerfileSyntaxError {
  return new DockerfileSyntaxError(
    location.file,
    { line: location.startLine, column: location.column },
    detail,
  );
}

function readInstructions(text: string, file: string, withDirectives: boolean): InstructionList {
  const reader = new LineReader(text);
  const directives: ParserDirectives = withDirectives
    ? parseDirectives(physicalLines(reader), file)
    : { escape: '\\' };
  reader.setEscapeChar(directives.escape);
  const instructions: Instruction[] = [];
  for (;;) {
    const line = reader.nextLogicalLine();
    if (line === undefined) break;
    if (!('text' in line)) throw new DockerfileSyntaxError(file, line.position, line.message);
    instructions.push(parseLine(line, 0, undefined, { file, reader, escapeChar: directives.escape }));
  }
  const warnings = reader.warnings.map((w) => ({ file, ...w.position, message: w.message }));
  return { directives, instructions, warnings, lineCount: reader.lineCount };
}

function physicalLines(reader: LineReader): string[] {
  const lines: string[] = [];
  for (let n = 1; n <= reader.lineCount; n++) {
    // Docker strips leading whitespace before looking for a directive.
    const line = (reader.physicalLine(n) as string).trimStart();
    // Directives are only looked for at the top; stop at the first line that cannot be one.
    if (!line.startsWith('#')) break;
    lines.push(line);
  }
  return lines;
}

interface LineContext {
  file: string;
  reader: LineReader;
  escapeChar: string;
}

function parseLine(
  line: LogicalLine,
  offset: number,
  sharedLocation: SourceLocation | undefined,
  ctx: LineContext,
): Instruction {
  const fail = (at: number, detail: string): never => {
    throw new DockerfileSyntaxError(ctx.file, line.position(at), detail);
  };
  const { first, rest, restOffset } = splitFirstWord(line.text.slice(offset), offset);
  const kind = first.value.toUpperCase();
  if (!isInstructionKind(kind)) {
    return fail(first.offset, `unknown instruction: ${first.value}${didYouMean(kind, INSTRUCTION_KINDS)}`);
  }
  const keywordPosition = line.position(first.offset);
  const location = sharedLocation ?? {
    file: ctx.file,
    startLine: line.startLine,
    column: keywordPosition.column,
    endLine: line.endLine,
  };
  const args = extractFlags(rest, restOffset);
  const input: InstructionInput = {
    kind,
    line,
    escapeChar: ctx.escapeChar,
    keywordOffset: first.offset,
    flagTokens: args.flags,
    rest: args.rest,
    restOffset: args.restOffset,
    original: line.text.slice(first.offset).trim(),
    location,
    fail,
    readHeredocBody: (marker, markerOffset) => {
      const body = ctx.reader.readHeredoc(marker.name, marker.chomp);
      if (body === undefined) {
        return fail(
          markerOffset,
          `unterminated heredoc: the file ends before a line ${JSON.stringify(marker.name)} closes the heredoc opened here`,
        );
      }
      location.endLine = body.endLine;
      return body.content;
    },
    parseNested: (nestedOffset) => parseLine(line, nestedOffset, location, ctx),
  };
  return parseInstructionInput(input);
}
