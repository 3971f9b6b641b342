import { errorMessage, NotFoundError } from '../../errors.js';
import { hostPlatform, type Platform } from '../../images/image-config.js';
import { parseReference } from '../../images/reference.js';
import type { Dockerfile, Stage } from '../dockerfile.js';
import { DockerfileSyntaxError, type DockerfileWarning } from '../dockerfile-syntax-error.js';
import { ShellLexer, type VariableLookup } from '../expand/shell-lexer.js';
import { PROXY_ARGS, StageVariables } from '../expand/stage-variables.js';
import type { CopyInstruction, Instruction, SourceLocation } from '../instruction.js';
import { closest } from '../parser/suggest.js';
import { parsePlatform, platformArgs } from './platform.js';

export interface BuildPlanOptions {
  /** `--build-arg` values. */
  buildArgs?: ReadonlyMap<string, string>;
  /** The stage to build (`--target`); default: the last stage. */
  target?: string;
  /** The platform built for; default the host's. Sets TARGETPLATFORM, TARGETARCH, … */
  targetPlatform?: Platform;
  /** The platform building; default the host's. Sets BUILDPLATFORM, BUILDARCH, … */
  buildPlatform?: Platform;
}

/** What a stage starts from. `ref` is the expanded reference as written (`debian:bookworm`), validated. */
export type StageBase =
  | { kind: 'scratch' }
  | { kind: 'image'; ref: string }
  | { kind: 'stage'; index: number };

/** What a `COPY --from=` names. */
export type CopyFromRef = { kind: 'stage'; index: number } | { kind: 'image'; ref: string };

export interface PlannedStage {
  stage: Stage;
  base: StageBase;
  /** `FROM --platform=`, expanded and parsed. */
  platform?: Platform;
  /** The stages that must be built before this one (its FROM stage and COPY --from stages), by index. */
  dependsOn: number[];
  /** Each `COPY --from` of the stage (keyed by the parsed instruction) and what it names. */
  copyFrom: ReadonlyMap<CopyInstruction, CopyFromRef>;
}

const STAGE_INDEX = /^\d+$/;

/**
 * The analysed build: global ARGs evaluated, every stage's base and `COPY --from` references
 * resolved to stages or images, the target chosen, and the stages it needs in build order
 * (dependencies first; stages the target does not need are left out).
 */
export class BuildPlan {
  readonly stages: readonly PlannedStage[];
  readonly target: PlannedStage;
  /** The stages to build, dependencies before dependents, ending with the target. */
  readonly order: readonly PlannedStage[];
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly buildArgs: ReadonlyMap<string, string>;
  readonly warnings: readonly DockerfileWarning[];

  constructor(
    readonly dockerfile: Dockerfile,
    options: BuildPlanOptions = {},
  ) {
    this.buildArgs = options.buildArgs ?? new Map();
    const host = hostPlatform();
    const lexer = new ShellLexer({ escapeChar: dockerfile.escapeChar });
    this.globalArgs = evaluateGlobalArgs(
      dockerfile,
      lexer,
      this.buildArgs,
      platformArgs(options.targetPlatform ?? host, options.buildPlatform ?? host),
    );
    const warnings: DockerfileWarning[] = [...dockerfile.warnings];
    this.stages = dockerfile.stages.map((stage) => planStage(dockerfile, stage, lexer, this, warnings));
    this.target = this.findTarget(options.target);
    this.order = buildOrder(this.stages, this.target);
    for (const name of this.unusedBuildArgs()) {
      const first = dockerfile.stages[0]?.from.location;
      warnings.push({
        file: dockerfile.file,
        line: first?.startLine ?? 1,
        column: 1,
        message: `build arg ${name} was given but no ARG in the stages built declares it`,
      });
    }
    this.warnings = warnings;
  }

  /**
   * The variable state machine for a stage, starting from its base image's `config.Env` (empty
   * for `FROM scratch`; for `FROM <stage>`, that stage's resulting Env).
   */
  stageVariables(baseEnv: readonly string[]): StageVariables {
    return new StageVariables({
      escapeChar: this.dockerfile.escapeChar,
      baseEnv,
      buildArgs: this.buildArgs,
      globalArgs: this.globalArgs,
    });
  }

  /**
   * Resolves a `--from` value (already expanded) seen in `stageIndex`: a stage index, a stage name,
   * or an image reference. Also for COPY instructions that come from ONBUILD triggers.
   */
  resolveCopyFrom(value: string, stageIndex: number, location: SourceLocation): CopyFromRef {
    return resolveFrom(this.dockerfile, value, stageIndex, location, []);
  }

  /** Build args given that no ARG of the built stages (or the globals) declares; Docker warns about them. */
  unusedBuildArgs(): string[] {
    const declared = new Set<string>(PROXY_ARGS);
    for (const g of this.dockerfile.globalArgs) for (const a of g.args) declared.add(a.name);
    for (const planned of this.order) {
      for (const instruction of planned.stage.instructions) {
        if (instruction.kind === 'ARG') for (const a of instruction.args) declared.add(a.name);
      }
    }
    return [...this.buildArgs.keys()].filter((k) => !declared.has(k)).sort();
  }

  private findTarget(target: string | undefined): PlannedStage {
    if (target === undefined || target === '') return this.stages[this.stages.length - 1] as PlannedStage;
    const found = this.stages.find((s) => s.stage.name === target.toLowerCase());
    if (found !== undefined) return found;
    const names = this.dockerfile.stages.map((s) => s.name ?? `(unnamed stage ${s.index})`);
    const hint = closest(
      target,
      this.dockerfile.stages.flatMap((s) => (s.name === undefined ? [] : [s.name])),
    );
    throw new NotFoundError(
      'build stage',
      target,
      `failed to reach build target ${target} in ${this.dockerfile.file}: no stage is named ${JSON.stringify(target)}` +
        `${hint === undefined ? '' : ` (did you mean ${hint}?)`}; the stages are: ${names.join(', ')}`,
    );
  }
}

function fail(location: SourceLocation, detail: string): never {
  throw new DockerfileSyntaxError(
    location.file,
    { line: location.startLine, column: location.column },
    detail,
  );
}

function expand(
  lexer: ShellLexer,
  raw: string,
  lookup: VariableLookup,
  location: SourceLocation,
  what: string,
): string {
  try {
    return lexer.processWord(raw, lookup);
  } catch (err: unknown) {
    return fail(location, `${what}: ${errorMessage(err)}`);
  }
}

/** Global ARGs in order; each default sees the ones before it; a build arg overrides a default. */
function evaluateGlobalArgs(
  dockerfile: Dockerfile,
  lexer: ShellLexer,
  buildArgs: ReadonlyMap<string, string>,
  automatic: ReadonlyMap<string, string>,
): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>(automatic);
  const lookup: VariableLookup = (name) => values.get(name);
  for (const instruction of dockerfile.globalArgs) {
    const evaluated = instruction.args.map((arg) => {
      const name = expand(lexer, arg.name, lookup, instruction.location, 'ARG');
      const given = buildArgs.get(name);
      if (given !== undefined) return [name, given] as const;
      if (arg.defaultValue !== undefined) {
        return [name, expand(lexer, arg.defaultValue, lookup, instruction.location, 'ARG')] as const;
      }
      return [name, values.get(name)] as const;
    });
    for (const [name, value] of evaluated) values.set(name, value);
  }
  return values;
}

function planStage(
  dockerfile: Dockerfile,
  stage: Stage,
  lexer: ShellLexer,
  plan: BuildPlan,
  warnings: DockerfileWarning[],
): PlannedStage {
  const from = stage.from;
  const globals: VariableLookup = (name) => plan.globalArgs.get(name);
  const image = expand(lexer, from.image, globals, from.location, 'FROM');
  if (image === '') fail(from.location, `FROM ${from.image}: the base image name expands to nothing`);
  let base: StageBase;
  const earlier = dockerfile.stages.find((s) => s.index < stage.index && s.name === image.toLowerCase());
  if (image.toLowerCase() === 'scratch') base = { kind: 'scratch' };
  else if (earlier !== undefined) base = { kind: 'stage', index: earlier.index };
  else base = { kind: 'image', ref: validImage(image, from.location, 'FROM') };
  const planned: PlannedStage = { stage, base, dependsOn: [], copyFrom: new Map() };
  if (from.platform !== undefined) {
    const spec = expand(lexer, from.platform, globals, from.location, 'FROM --platform');
    try {
      planned.platform = parsePlatform(spec);
    } catch (err: unknown) {
      fail(from.location, `FROM --platform: ${errorMessage(err)}`);
    }
  }
  const deps = new Set<number>();
  if (base.kind === 'stage') deps.add(base.index);
  const copyFrom = new Map<CopyInstruction, CopyFromRef>();
  const args = new Map<string, string | undefined>();
  const argLookup: VariableLookup = (name) =>
    args.has(name) ? args.get(name) : PROXY_ARGS.has(name) ? plan.buildArgs.get(name) : undefined;
  for (const instruction of stage.instructions) {
    if (instruction.kind === 'ARG') {
      for (const arg of instruction.args) args.set(arg.name, initialArg(arg, plan, lexer, argLookup));
    }
    for (const copy of copiesFrom(instruction)) {
      const value = expand(lexer, copy.from as string, argLookup, copy.location, 'COPY --from');
      const ref = resolveFrom(dockerfile, value, stage.index, copy.location, warnings);
      copyFrom.set(copy, ref);
      if (ref.kind === 'stage') deps.add(ref.index);
    }
  }
  planned.dependsOn = [...deps].sort((a, b) => a - b);
  planned.copyFrom = copyFrom;
  return planned;
}

/** The COPY --from instructions of an instruction (an ONBUILD trigger's are not the stage's). */
function copiesFrom(instruction: Instruction): CopyInstruction[] {
  return instruction.kind === 'COPY' && instruction.from !== undefined ? [instruction] : [];
}

function initialArg(
  arg: { name: string; defaultValue?: string },
  plan: BuildPlan,
  lexer: ShellLexer,
  lookup: VariableLookup,
): string | undefined {
  const given = plan.buildArgs.get(arg.name);
  if (given !== undefined) return given;
  if (arg.defaultValue !== undefined) {
    try {
      return lexer.processWord(arg.defaultValue, lookup);
    } catch {
      // The default may need the base image's ENV, unknown while planning; the build reports it.
      return undefined;
    }
  }
  return plan.globalArgs.get(arg.name);
}

function validImage(ref: string, location: SourceLocation, what: string): string {
  try {
    parseReference(ref);
  } catch (err: unknown) {
    fail(location, `${what} ${ref}: ${errorMessage(err)}`);
  }
  return ref;
}

function resolveFrom(
  dockerfile: Dockerfile,
  value: string,
  stageIndex: number,
  location: SourceLocation,
  warnings: DockerfileWarning[],
): CopyFromRef {
  if (value === '') fail(location, 'COPY --from expands to nothing: name a stage, a stage index or an image');
  const stages = dockerfile.stages;
  if (STAGE_INDEX.test(value)) {
    const index = Number(value);
    if (index >= stages.length) {
      fail(
        location,
        `COPY --from=${value}: there is no stage ${index}; the stages are 0 to ${stages.length - 1}`,
      );
    }
    if (index === stageIndex) fail(location, `COPY --from=${value} refers to the stage it is in`);
    return { kind: 'stage', index };
  }
  const named = stages.find((s) => s.name === value.toLowerCase());
  if (named !== undefined) {
    if (named.index === stageIndex) fail(location, `COPY --from=${value} refers to the stage it is in`);
    return { kind: 'stage', index: named.index };
  }
  const stageNames = stages.flatMap((s) => (s.name === undefined ? [] : [s.name]));
  const hint = /[/:@]/.test(value) ? undefined : closest(value, stageNames);
  try {
    parseReference(value);
  } catch (err: unknown) {
    fail(
      location,
      `COPY --from=${value}: no stage has this name${hint === undefined ? '' : ` (did you mean ${hint}?)`}` +
        ` and it is not an image reference either: ${errorMessage(err)}`,
    );
  }
  if (hint !== undefined) {
    warnings.push({
      file: location.file,
      line: location.startLine,
      column: location.column,
      message: `COPY --from=${value} names an image, not a stage; did you mean stage ${JSON.stringify(hint)}?`,
    });
  }
  return { kind: 'image', ref: value };
}

/** The stages the target needs, dependencies first (Kahn's algorithm, lowest index first); fails on cycles. */
function buildOrder(stages: readonly PlannedStage[], target: PlannedStage): PlannedStage[] {
  const needed = new Set<number>();
  const visit = (index: number, path: number[]) => {
    if (path.includes(index)) {
      const cycle = [...path.slice(path.indexOf(index)), index].map((i) => stageLabel(stages, i));
      const at = stages[path[path.length - 1] as number] as PlannedStage;
      fail(at.stage.from.location, `circular dependency between stages: ${cycle.join(' -> ')}`);
    }
    if (needed.has(index)) return;
    for (const dep of (stages[index] as PlannedStage).dependsOn) visit(dep, [...path, index]);
    needed.add(index);
  };
  visit(target.stage.index, []);
  const order: PlannedStage[] = [];
  const done = new Set<number>();
  while (order.length < needed.size) {
    const next = [...needed]
      .sort((a, b) => a - b)
      .find((i) => !done.has(i) && (stages[i] as PlannedStage).dependsOn.every((d) => done.has(d)));
    if (next === undefined) break;
    done.add(next);
    order.push(stages[next] as PlannedStage);
  }
  return order;
}

function stageLabel(stages: readonly PlannedStage[], index: number): string {
  return stages[index]?.stage.name ?? String(index);
}

/** Analyses a parsed Dockerfile for a build: see BuildPlan. */
export function planBuild(dockerfile: Dockerfile, options: BuildPlanOptions = {}): BuildPlan {
  return new BuildPlan(dockerfile, options);
}
