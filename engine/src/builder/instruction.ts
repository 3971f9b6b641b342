import type { HealthConfig } from '../images/image-config.js';

/**
 * The typed instruction model the parser produces and the build executor consumes.
 *
 * Lifecycle of the strings inside: the parser stores *raw words* exactly as written (quotes
 * kept, `$VAR` unexpanded) for the instructions Docker expands (ADD, COPY, ENV, EXPOSE, FROM,
 * LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults). `StageVariables.step()` turns each
 * into a `Resolved<…>` copy with variables substituted, quotes removed and values validated.
 * RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK are never expanded: the shell does it at run time.
 */

export type InstructionKind =
  | 'FROM'
  | 'RUN'
  | 'CMD'
  | 'ENTRYPOINT'
  | 'SHELL'
  | 'COPY'
  | 'ADD'
  | 'ENV'
  | 'ARG'
  | 'LABEL'
  | 'EXPOSE'
  | 'WORKDIR'
  | 'USER'
  | 'VOLUME'
  | 'STOPSIGNAL'
  | 'HEALTHCHECK'
  | 'ONBUILD'
  | 'MAINTAINER';

/** Where an instruction sits: 1-based, inclusive; `endLine` includes continuation lines and heredoc bodies. */
export interface SourceLocation {
  file: string;
  startLine: number;
  /** The column of the instruction keyword on `startLine`. */
  column: number;
  endLine: number;
}

interface InstructionBase {
  location: SourceLocation;
  /**
   * The instruction as written, continuation lines joined and leading whitespace dropped, heredoc
   * bodies excluded (`RUN --network=none make`). Stable input for history and cache keys.
   */
  original: string;
}

/** Exec form (a JSON array) or shell form (run as `SHELL + [command]`). */
export type CommandLine = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

/** One `<<NAME` here-document with its body. */
export interface Heredoc {
  /** The delimiter word with quotes removed (`EOF`); for COPY/ADD it is also the file name. */
  name: string;
  /** The body, every line ending in `\n`; leading tabs already removed when `chomp`. */
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): the body is taken literally. */
  expand: boolean;
  /** `<<-EOF`: leading tabs are stripped from body lines and the delimiter line. */
  chomp: boolean;
  /** The file descriptor before `<<` (`3<<EOF`), when one was written. */
  fileDescriptor?: number;
}

export interface FromInstruction extends InstructionBase {
  kind: 'FROM';
  /** The base: an image reference, `scratch`, or the name of an earlier stage (raw, may hold `$ARG`s). */
  image: string;
  /** The `AS name`, lowercased (stage names are case-insensitive). */
  stageName?: string;
  /** `--platform=` value (raw). */
  platform?: string;
}

export type RunNetwork = 'default' | 'none' | 'host';

export interface RunInstruction extends InstructionBase {
  kind: 'RUN';
  command: CommandLine;
  /** Here-documents opened on the command line, in order. Only with the shell form. */
  heredocs: Heredoc[];
  /** `--network=`; absent means the default (the build's network). */
  network?: RunNetwork;
}

export interface CmdInstruction extends InstructionBase {
  kind: 'CMD';
  command: CommandLine;
}

export interface EntrypointInstruction extends InstructionBase {
  kind: 'ENTRYPOINT';
  command: CommandLine;
}

export interface ShellInstruction extends InstructionBase {
  kind: 'SHELL';
  shell: string[];
}

/** A COPY/ADD source: a path in the context or the other stage/image (ADD: or a URL), or a here-document. */
export type CopySource = { kind: 'path'; path: string } | { kind: 'heredoc'; heredoc: Heredoc };

interface CopyLikeInstruction extends InstructionBase {
  sources: CopySource[];
  dest: string;
  /** `--chown=user[:group]` (names or ids; resolved against the image's passwd/group by the executor). */
  chown?: string;
  /** `--chmod=` octal mode (`0755`), validated when resolved. */
  chmod?: string;
  /** `--link`: the result is the same as a plain copy; the executor may treat it as one. */
  link: boolean;
  /** `--exclude=` patterns (dockerignore syntax), relative to each source. */
  exclude: string[];
  /** The arguments were a JSON array (no heredocs, no word splitting). */
  jsonForm: boolean;
}

export interface CopyInstruction extends CopyLikeInstruction {
  kind: 'COPY';
  /** `--from=`: a stage name or index, or an image reference (raw). */
  from?: string;
}

export interface AddInstruction extends CopyLikeInstruction {
  kind: 'ADD';
  /** `--checksum=sha256:…` for URL sources. */
  checksum?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface EnvInstruction extends InstructionBase {
  kind: 'ENV';
  pairs: KeyValue[];
}

export interface LabelInstruction extends InstructionBase {
  kind: 'LABEL';
  pairs: KeyValue[];
}

export interface ArgDeclaration {
  name: string;
  /** The `=default`, raw; absent for a bare `ARG NAME`. */
  defaultValue?: string;
}

export interface ArgInstruction extends InstructionBase {
  kind: 'ARG';
  args: ArgDeclaration[];
}

export interface ExposeInstruction extends InstructionBase {
  kind: 'EXPOSE';
  /** Raw: the words as written. Resolved: normalised `port/proto` entries, ranges expanded, no duplicates. */
  ports: string[];
}

export interface WorkdirInstruction extends InstructionBase {
  kind: 'WORKDIR';
  path: string;
}

export interface UserInstruction extends InstructionBase {
  kind: 'USER';
  user: string;
}

export interface VolumeInstruction extends InstructionBase {
  kind: 'VOLUME';
  paths: string[];
}

export interface StopSignalInstruction extends InstructionBase {
  kind: 'STOPSIGNAL';
  signal: string;
}

export interface HealthcheckInstruction extends InstructionBase {
  kind: 'HEALTHCHECK';
  /**
   * The image-config Healthcheck this sets: `Test` is `["NONE"]`, `["CMD", …args]` or
   * `["CMD-SHELL", command]`; durations in nanoseconds, absent when not given (inherit).
   */
  health: HealthConfig;
}

export interface OnbuildInstruction extends InstructionBase {
  kind: 'ONBUILD';
  /** The trigger as stored in the image config's `OnBuild` (heredoc bodies appended), re-parsed by the child build. */
  expression: string;
  /** The trigger, parsed and validated now so mistakes surface in the parent's build. */
  trigger: Instruction;
}

export interface MaintainerInstruction extends InstructionBase {
  kind: 'MAINTAINER';
  /** Deprecated; sets the image's `author`. */
  author: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | CopyInstruction
  | AddInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | ExposeInstruction
  | WorkdirInstruction
  | UserInstruction
  | VolumeInstruction
  | StopSignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

/** An instruction of one kind. */
export type InstructionOf<K extends InstructionKind> = Extract<Instruction, { kind: K }>;

declare const resolvedBrand: unique symbol;

/**
 * An instruction after variable substitution for its stage (see `StageVariables.step`). Only
 * resolved instructions may be applied to an image config or executed.
 */
export type Resolved<T extends Instruction = Instruction> = T & { readonly [resolvedBrand]: true };
