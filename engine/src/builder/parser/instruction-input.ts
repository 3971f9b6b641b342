import type { CommandLine, Heredoc, Instruction, InstructionKind, SourceLocation } from '../instruction.js';
import { type FailAt, type FlagSpec, type ParsedFlags, parseFlags } from './flags.js';
import { chompHeredoc, findHeredocMarkers, type HeredocMarker } from './heredoc-marker.js';
import type { LogicalLine } from './logical-line.js';
import type { Token } from './words.js';

/** Reads the body of a heredoc opened on the current line; fails when the file ends first. */
export type HeredocBodyReader = (marker: HeredocMarker, markerOffset: number) => string;

/** Everything a per-instruction parser gets: the split line, its flags, and ways to fail or read heredocs. */
export interface InstructionInput {
  kind: InstructionKind;
  line: LogicalLine;
  escapeChar: string;
  keywordOffset: number;
  flagTokens: readonly Token[];
  /** The arguments after the flags, trimmed. */
  rest: string;
  restOffset: number;
  original: string;
  /** Shared with the resulting instruction; `endLine` grows as heredoc bodies are read. */
  location: SourceLocation;
  fail: FailAt;
  readHeredocBody: HeredocBodyReader;
  /** Parses a nested instruction (ONBUILD's trigger) starting at `offset` of the same line. */
  parseNested: (offset: number) => Instruction;
}

export function flagsOf(input: InstructionInput, spec: FlagSpec): ParsedFlags {
  return parseFlags(input.flagTokens, spec, input.kind, input.fail);
}

/**
 * A JSON array of strings (exec form) or undefined when the text is not valid JSON (shell form,
 * as Docker falls back). A valid JSON array holding non-strings is an error, as in Docker.
 */
export function parseJsonArgs(input: InstructionInput): string[] | undefined {
  const text = input.rest;
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((v): v is string => typeof v === 'string')) {
    input.fail(
      input.restOffset,
      `${input.kind}: the JSON array must contain only strings, like ["/bin/sh", "-c"]`,
    );
  }
  return parsed;
}

export function commandLineOf(input: InstructionInput): CommandLine {
  const args = parseJsonArgs(input);
  return args === undefined ? { form: 'shell', command: input.rest } : { form: 'exec', args };
}

/** Reads the bodies of all heredocs opened on a shell-form line, in order. */
export function readHeredocs(input: InstructionInput): Heredoc[] {
  const heredocs: Heredoc[] = [];
  for (const marker of findHeredocMarkers(input.rest)) {
    const markerOffset = input.restOffset + Math.max(0, input.rest.indexOf(marker.word));
    const body = input.readHeredocBody(marker, markerOffset);
    const heredoc: Heredoc = {
      name: marker.name,
      content: marker.chomp ? chompHeredoc(body) : body,
      expand: marker.expand,
      chomp: marker.chomp,
    };
    if (marker.fileDescriptor !== undefined) heredoc.fileDescriptor = marker.fileDescriptor;
    heredocs.push(heredoc);
  }
  return heredocs;
}

export function requireArgs(input: InstructionInput, what = 'at least one argument'): void {
  if (input.rest === '') input.fail(input.keywordOffset, `${input.kind} requires ${what}`);
}
