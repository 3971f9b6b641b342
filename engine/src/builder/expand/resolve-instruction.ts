import { errorMessage } from '../../errors.js';
import { DockerfileSyntaxError } from '../dockerfile-syntax-error.js';
import type { AddInstruction, CopyInstruction, CopySource, Instruction, KeyValue } from '../instruction.js';
import { checksumProblem, chmodProblem } from '../parser/parse-copy.js';
import { normalizeExposedPorts } from './port-specs.js';
import type { ShellLexer, VariableLookup } from './shell-lexer.js';
import { stopSignalProblem } from './stop-signal.js';

/** What resolving needs: the stage's lexer (its escape character) and the variables before the instruction. */
export interface ResolveContext {
  lexer: ShellLexer;
  lookup: VariableLookup;
  /**
   * Build arguments only (no ENV), for `COPY --from=$STAGE`: the stage graph is computed before
   * any base image's environment is known, so `--from` may only use ARGs.
   */
  argLookup: VariableLookup;
}

/**
 * Substitutes variables in one instruction (Docker's rules: which instructions, which fields,
 * word splitting only for EXPOSE) and validates the values that only exist after substitution.
 * Every reference sees the variables as they were *before* this instruction. Throws
 * DockerfileSyntaxError located at the instruction.
 */
export function resolveInstruction(instruction: Instruction, ctx: ResolveContext): Instruction {
  const fail = (detail: string): never => {
    const { file, startLine, column } = instruction.location;
    throw new DockerfileSyntaxError(file, { line: startLine, column }, `${instruction.kind}: ${detail}`);
  };
  const word = (raw: string): string => {
    try {
      return ctx.lexer.processWord(raw, ctx.lookup);
    } catch (err: unknown) {
      return fail(errorMessage(err));
    }
  };
  const pairs = (list: readonly KeyValue[]): KeyValue[] =>
    list.map(({ key, value }) => {
      const k = word(key);
      if (k === '') fail(`the name in ${key}=… expands to nothing`);
      return { key: k, value: word(value) };
    });

  switch (instruction.kind) {
    case 'FROM': {
      const from = { ...instruction, image: word(instruction.image) };
      if (instruction.platform !== undefined) from.platform = word(instruction.platform);
      return from;
    }
    case 'ENV':
    case 'LABEL':
      return { ...instruction, pairs: pairs(instruction.pairs) };
    case 'ARG':
      return {
        ...instruction,
        args: instruction.args.map((arg) => {
          const name = word(arg.name);
          if (name === '') fail(`the name ${arg.name} expands to nothing`);
          return arg.defaultValue === undefined ? { name } : { name, defaultValue: word(arg.defaultValue) };
        }),
      };
    case 'COPY':
    case 'ADD':
      return resolveCopy(instruction, ctx, word, fail);
    case 'EXPOSE': {
      let words: string[];
      try {
        words = instruction.ports.flatMap((p) => ctx.lexer.processWords(p, ctx.lookup));
        return { ...instruction, ports: normalizeExposedPorts(words) };
      } catch (err: unknown) {
        return fail(errorMessage(err));
      }
    }
    case 'WORKDIR': {
      const path = word(instruction.path);
      if (path === '') fail(`${instruction.path} expands to an empty path`);
      return { ...instruction, path };
    }
    case 'USER': {
      const user = word(instruction.user);
      if (user === '') fail(`${instruction.user} expands to an empty user`);
      return { ...instruction, user };
    }
    case 'VOLUME':
      return {
        ...instruction,
        paths: instruction.paths.map((raw) => {
          const path = word(raw);
          if (path.trim() === '') fail(`the volume ${JSON.stringify(raw)} expands to an empty path`);
          return path;
        }),
      };
    case 'STOPSIGNAL': {
      const signal = word(instruction.signal);
      const problem = stopSignalProblem(signal);
      if (problem !== undefined) fail(problem);
      return { ...instruction, signal };
    }
    default:
      // RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER: no substitution (the shell does it at
      // run time). ONBUILD: the trigger is stored as written and resolved in the child's build.
      return instruction;
  }
}

function resolveCopy<T extends CopyInstruction | AddInstruction>(
  instruction: T,
  ctx: ResolveContext,
  word: (raw: string) => string,
  fail: (detail: string) => never,
): T {
  const sources = instruction.sources.map((source): CopySource => {
    if (source.kind === 'path') return { kind: 'path', path: word(source.path) };
    if (!source.heredoc.expand) return source;
    try {
      return {
        kind: 'heredoc',
        heredoc: { ...source.heredoc, content: ctx.lexer.processHeredoc(source.heredoc.content, ctx.lookup) },
      };
    } catch (err: unknown) {
      return fail(errorMessage(err));
    }
  });
  const resolved: T = {
    ...instruction,
    sources,
    dest: word(instruction.dest),
    exclude: instruction.exclude.map(word),
  };
  if (resolved.dest === '') fail(`the destination ${instruction.dest} expands to an empty path`);
  if (sources.length > 1 && !resolved.dest.endsWith('/')) {
    fail(
      `with more than one source the destination must be a directory and end with a /: ${JSON.stringify(resolved.dest)}`,
    );
  }
  if (instruction.chown !== undefined) resolved.chown = word(instruction.chown);
  if (instruction.chmod !== undefined) {
    const chmod = word(instruction.chmod);
    const problem = chmodProblem(chmod);
    if (problem !== undefined) fail(problem);
    resolved.chmod = chmod;
  }
  if (resolved.kind === 'COPY' && instruction.kind === 'COPY' && instruction.from !== undefined) {
    try {
      resolved.from = ctx.lexer.processWord(instruction.from, ctx.argLookup);
    } catch (err: unknown) {
      fail(errorMessage(err));
    }
  }
  if (resolved.kind === 'ADD' && instruction.kind === 'ADD' && instruction.checksum !== undefined) {
    const checksum = word(instruction.checksum);
    const problem = checksumProblem(checksum);
    if (problem !== undefined) fail(problem);
    resolved.checksum = checksum;
  }
  return resolved;
}
