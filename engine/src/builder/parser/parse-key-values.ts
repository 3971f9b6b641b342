import type {
  ArgDeclaration,
  ArgInstruction,
  EnvInstruction,
  KeyValue,
  LabelInstruction,
} from '../instruction.js';
import { flagsOf, type InstructionInput, requireArgs } from './instruction-input.js';
import { parseWords } from './words.js';

/**
 * `ENV`/`LABEL` arguments: `name=value …` (quotes kept for expansion to remove), or the legacy
 * `name value with spaces` form, chosen by whether the first word has an `=` (Docker's parseNameVal).
 */
function parsePairs(input: InstructionInput): KeyValue[] {
  flagsOf(input, {});
  requireArgs(input);
  const words = parseWords(input.rest, input.escapeChar, input.restOffset);
  const first = words[0];
  if (first === undefined) input.fail(input.keywordOffset, `${input.kind} requires at least one argument`);
  if (!first.value.includes('=')) {
    const m = /\s+/.exec(input.rest);
    if (m === null) {
      input.fail(
        input.restOffset,
        `${input.kind} ${input.rest}: missing value; use ${input.kind} ${input.rest}=<value> (or the legacy form ${input.kind} ${input.rest} <value>)`,
      );
    }
    return [{ key: input.rest.slice(0, m.index), value: input.rest.slice(m.index + m[0].length) }];
  }
  return words.map((word) => {
    const eq = word.value.indexOf('=');
    if (eq < 0) {
      input.fail(
        word.offset,
        `can't find = in ${JSON.stringify(word.value)}: ${input.kind} takes name=value pairs (quote values with spaces)`,
      );
    }
    if (eq === 0) input.fail(word.offset, `${input.kind} names can not be blank`);
    return { key: word.value.slice(0, eq), value: word.value.slice(eq + 1) };
  });
}

export function parseEnv(input: InstructionInput): EnvInstruction {
  return { kind: 'ENV', pairs: parsePairs(input), location: input.location, original: input.original };
}

export function parseLabel(input: InstructionInput): LabelInstruction {
  return { kind: 'LABEL', pairs: parsePairs(input), location: input.location, original: input.original };
}

export function parseArg(input: InstructionInput): ArgInstruction {
  flagsOf(input, {});
  requireArgs(input);
  const args = parseWords(input.rest, input.escapeChar, input.restOffset).map((word): ArgDeclaration => {
    const eq = word.value.indexOf('=');
    if (eq < 0) return { name: word.value };
    if (eq === 0) input.fail(word.offset, 'ARG names can not be blank');
    return { name: word.value.slice(0, eq), defaultValue: word.value.slice(eq + 1) };
  });
  return { kind: 'ARG', args, location: input.location, original: input.original };
}
