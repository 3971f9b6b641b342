import type {
  CmdInstruction,
  EntrypointInstruction,
  ExposeInstruction,
  FromInstruction,
  Heredoc,
  Instruction,
  InstructionKind,
  MaintainerInstruction,
  OnbuildInstruction,
  RunInstruction,
  RunNetwork,
  ShellInstruction,
  StopSignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from '../instruction.js';
import {
  commandLineOf,
  flagsOf,
  type InstructionInput,
  parseJsonArgs,
  readHeredocs,
  requireArgs,
} from './instruction-input.js';
import { parseAdd, parseCopy } from './parse-copy.js';
import { parseHealthcheck } from './parse-healthcheck.js';
import { parseArg, parseEnv, parseLabel } from './parse-key-values.js';
import { splitWhitespace } from './words.js';

/** A valid stage name: BuildKit's `^[a-z][a-z0-9-_.]*$`, checked after lowercasing. */
export const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/;

const NETWORKS: readonly RunNetwork[] = ['default', 'none', 'host'];

function base(input: InstructionInput) {
  return { location: input.location, original: input.original };
}

function parseFrom(input: InstructionInput): FromInstruction {
  const flags = flagsOf(input, { platform: 'string' });
  const args = splitWhitespace(input.rest, input.restOffset);
  const asWord = args[1];
  if (args.length !== 1 && !(args.length === 3 && asWord?.value.toLowerCase() === 'as')) {
    input.fail(
      args.length === 0 ? input.keywordOffset : (asWord?.offset ?? input.restOffset),
      'FROM requires either one or three arguments: FROM [--platform=<platform>] <image> [AS <name>]',
    );
  }
  const from: FromInstruction = { kind: 'FROM', image: (args[0] as { value: string }).value, ...base(input) };
  const nameToken = args[2];
  if (nameToken !== undefined) {
    const name = nameToken.value.toLowerCase();
    if (!STAGE_NAME.test(name)) {
      input.fail(
        nameToken.offset,
        `invalid name for build stage: ${JSON.stringify(nameToken.value)}, name can't start with a number or contain symbols`,
      );
    }
    from.stageName = name;
  }
  const platform = flags.string('platform');
  if (platform !== undefined) {
    if (platform === '')
      input.fail(flags.offset('platform') as number, 'FROM --platform= needs a value like linux/amd64');
    from.platform = platform;
  }
  return from;
}

function parseRun(input: InstructionInput): RunInstruction {
  const flags = flagsOf(input, {
    network: 'string',
    mount: {
      unsupported:
        'RUN --mount is not supported by Skiff (a BuildKit feature); COPY the files in, or use a cache directory in the image',
    },
    security: {
      unsupported:
        'RUN --security is not supported by Skiff (a BuildKit feature); build steps run unprivileged',
    },
  });
  requireArgs(input);
  const command = commandLineOf(input);
  if (command.form === 'exec' && command.args.length === 0) {
    input.fail(input.restOffset, 'RUN requires at least one argument: the JSON array is empty');
  }
  const run: RunInstruction = {
    kind: 'RUN',
    command,
    heredocs: command.form === 'shell' ? readHeredocs(input) : [],
    ...base(input),
  };
  const network = flags.string('network');
  if (network !== undefined) {
    if (!(NETWORKS as readonly string[]).includes(network)) {
      input.fail(
        flags.offset('network') as number,
        `RUN --network=${network} is not supported: use one of ${NETWORKS.join(', ')}`,
      );
    }
    run.network = network as RunNetwork;
  }
  return run;
}

function parseCmdLike(
  input: InstructionInput,
  kind: 'CMD' | 'ENTRYPOINT',
): CmdInstruction | EntrypointInstruction {
  flagsOf(input, {});
  requireArgs(input);
  return { kind, command: commandLineOf(input), ...base(input) };
}

function parseShell(input: InstructionInput): ShellInstruction {
  flagsOf(input, {});
  requireArgs(input);
  const shell = parseJsonArgs(input);
  if (shell === undefined) {
    input.fail(
      input.restOffset,
      'SHELL requires the arguments to be in JSON form, like SHELL ["/bin/bash", "-c"]',
    );
  }
  if (shell.length === 0) input.fail(input.restOffset, 'SHELL requires at least one argument');
  return { kind: 'SHELL', shell, ...base(input) };
}

function single(input: InstructionInput): string {
  flagsOf(input, {});
  requireArgs(input, 'exactly one argument');
  return input.rest;
}

function parseVolume(input: InstructionInput): VolumeInstruction {
  flagsOf(input, {});
  requireArgs(input);
  const paths = parseJsonArgs(input) ?? splitWhitespace(input.rest).map((t) => t.value);
  if (paths.length === 0) input.fail(input.restOffset, 'VOLUME requires at least one argument');
  return { kind: 'VOLUME', paths, ...base(input) };
}

function parseExpose(input: InstructionInput): ExposeInstruction {
  flagsOf(input, {});
  requireArgs(input);
  return { kind: 'EXPOSE', ports: splitWhitespace(input.rest).map((t) => t.value), ...base(input) };
}

const FORBIDDEN_TRIGGERS = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);

function parseOnbuild(input: InstructionInput): OnbuildInstruction {
  flagsOf(input, {});
  requireArgs(input);
  const triggerWord = (/^\S+/.exec(input.rest)?.[0] ?? '').toUpperCase();
  if (triggerWord === 'ONBUILD') {
    input.fail(input.restOffset, 'chaining ONBUILD via `ONBUILD ONBUILD` is not allowed');
  }
  if (FORBIDDEN_TRIGGERS.has(triggerWord)) {
    input.fail(input.restOffset, `${triggerWord} is not allowed as an ONBUILD trigger`);
  }
  const trigger = input.parseNested(input.restOffset);
  // The stored trigger carries its heredoc bodies, so the child build re-parses the same instruction.
  const expression = heredocsOf(trigger).reduce((text, h) => `${text}\n${h.content}${h.name}`, input.rest);
  return { kind: 'ONBUILD', expression, trigger, ...base(input) };
}

type Parser = (input: InstructionInput) => Instruction;

const PARSERS: Readonly<Record<InstructionKind, Parser>> = {
  FROM: parseFrom,
  RUN: parseRun,
  CMD: (input) => parseCmdLike(input, 'CMD'),
  ENTRYPOINT: (input) => parseCmdLike(input, 'ENTRYPOINT'),
  SHELL: parseShell,
  COPY: parseCopy,
  ADD: parseAdd,
  ENV: parseEnv,
  LABEL: parseLabel,
  ARG: parseArg,
  EXPOSE: parseExpose,
  WORKDIR: (input): WorkdirInstruction => ({ kind: 'WORKDIR', path: single(input), ...base(input) }),
  USER: (input): UserInstruction => ({ kind: 'USER', user: single(input), ...base(input) }),
  VOLUME: parseVolume,
  STOPSIGNAL: (input): StopSignalInstruction => ({
    kind: 'STOPSIGNAL',
    signal: single(input),
    ...base(input),
  }),
  HEALTHCHECK: parseHealthcheck,
  ONBUILD: parseOnbuild,
  MAINTAINER: (input): MaintainerInstruction => ({
    kind: 'MAINTAINER',
    author: single(input),
    ...base(input),
  }),
};

export const INSTRUCTION_KINDS = Object.keys(PARSERS) as InstructionKind[];

export function isInstructionKind(word: string): word is InstructionKind {
  return Object.hasOwn(PARSERS, word);
}

/** Parses one instruction whose keyword has been recognised. */
export function parseInstructionInput(input: InstructionInput): Instruction {
  return PARSERS[input.kind](input);
}

/** The here-documents an instruction carries (RUN's, and COPY/ADD heredoc sources), in order. */
export function heredocsOf(instruction: Instruction): Heredoc[] {
  switch (instruction.kind) {
    case 'RUN':
      return instruction.heredocs;
    case 'COPY':
    case 'ADD':
      return instruction.sources.flatMap((s) => (s.kind === 'heredoc' ? [s.heredoc] : []));
    default:
      return [];
  }
}
