import type { AddInstruction, CopyInstruction, CopySource, Heredoc } from '../instruction.js';
import type { FlagSpec, ParsedFlags } from './flags.js';
import { parseHeredocMarker } from './heredoc-marker.js';
import { flagsOf, type InstructionInput, parseJsonArgs, readHeredocs } from './instruction-input.js';
import { splitWhitespace, type Token } from './words.js';

const COPY_FLAGS: FlagSpec = {
  from: 'string',
  chown: 'string',
  chmod: 'string',
  link: 'bool',
  exclude: 'strings',
  parents: {
    unsupported:
      'COPY --parents is not supported by Skiff; copy each directory to its destination explicitly',
  },
};

const ADD_FLAGS: FlagSpec = {
  chown: 'string',
  chmod: 'string',
  link: 'bool',
  exclude: 'strings',
  checksum: 'string',
  'keep-git-dir': {
    unsupported:
      'ADD --keep-git-dir is not supported: Skiff does not add Git repositories; clone in a RUN step',
  },
};

const OCTAL_MODE = /^[0-7]{3,4}$/;
const CHECKSUM = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** Validates a `--chmod` value (after expansion): an octal mode. Returns an error message or undefined. */
export function chmodProblem(value: string): string | undefined {
  return OCTAL_MODE.test(value)
    ? undefined
    : `invalid --chmod=${value}: expected an octal mode like 755 or 0644`;
}

/** Validates an `ADD --checksum` value. Returns an error message or undefined. */
export function checksumProblem(value: string): string | undefined {
  return CHECKSUM.test(value)
    ? undefined
    : `invalid --checksum=${value}: expected sha256:<64 hex digits> (or sha384:/sha512:)`;
}

interface CopyParts {
  sources: CopySource[];
  dest: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  exclude: string[];
  jsonForm: boolean;
}

function parseCopyParts(input: InstructionInput, flags: ParsedFlags): CopyParts {
  const json = parseJsonArgs(input);
  const words: Token[] =
    json === undefined
      ? splitWhitespace(input.rest, input.restOffset)
      : json.map((value) => ({ value, offset: input.restOffset }));
  if (words.length < 2) {
    input.fail(
      input.keywordOffset,
      `${input.kind} requires at least two arguments (sources and a destination), but ${words.length === 0 ? 'none was' : 'only one was'} provided`,
    );
  }
  const destToken = words[words.length - 1] as Token;
  let heredocs: Heredoc[] = [];
  if (json === undefined) {
    if (parseHeredocMarker(destToken.value) !== undefined) {
      input.fail(destToken.offset, `${input.kind} cannot take a heredoc as its destination`);
    }
    heredocs = readHeredocs(input);
  }
  const sources = words.slice(0, -1).map((word): CopySource => {
    if (json === undefined && parseHeredocMarker(word.value) !== undefined) {
      const heredoc = heredocs.shift();
      if (heredoc !== undefined) return { kind: 'heredoc', heredoc };
    }
    return { kind: 'path', path: word.value };
  });
  const parts: CopyParts = {
    sources,
    dest: destToken.value,
    link: flags.bool('link'),
    exclude: flags.strings('exclude'),
    jsonForm: json !== undefined,
  };
  const chown = flags.string('chown');
  if (chown !== undefined) {
    if (chown === '')
      input.fail(flags.offset('chown') as number, `${input.kind} --chown= needs a user[:group]`);
    parts.chown = chown;
  }
  const chmod = flags.string('chmod');
  if (chmod !== undefined) {
    const problem = chmod.includes('$') ? undefined : chmodProblem(chmod);
    if (problem !== undefined) input.fail(flags.offset('chmod') as number, problem);
    parts.chmod = chmod;
  }
  return parts;
}

export function parseCopy(input: InstructionInput): CopyInstruction {
  const flags = flagsOf(input, COPY_FLAGS);
  const copy: CopyInstruction = {
    kind: 'COPY',
    ...parseCopyParts(input, flags),
    location: input.location,
    original: input.original,
  };
  const from = flags.string('from');
  if (from !== undefined) {
    if (from === '')
      input.fail(flags.offset('from') as number, 'COPY --from= needs a stage name, index or image');
    copy.from = from;
  }
  return copy;
}

export function parseAdd(input: InstructionInput): AddInstruction {
  const flags = flagsOf(input, ADD_FLAGS);
  const add: AddInstruction = {
    kind: 'ADD',
    ...parseCopyParts(input, flags),
    location: input.location,
    original: input.original,
  };
  const checksum = flags.string('checksum');
  if (checksum !== undefined) {
    const problem = checksum.includes('$') ? undefined : checksumProblem(checksum);
    if (problem !== undefined) input.fail(flags.offset('checksum') as number, problem);
    add.checksum = checksum;
  }
  return add;
}
