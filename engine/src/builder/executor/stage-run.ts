import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { ChangeState } from '../../images/config-changes.js';
import { applyConfigChange } from '../../images/config-changes.js';
import type { StageVariables } from '../expand/stage-variables.js';
import type {
  AddInstruction,
  CopyInstruction,
  Instruction,
  LabelInstruction,
  Resolved,
} from '../instruction.js';
import { parseInstructions } from '../parser/parse-dockerfile.js';
import type { CopyFromRef, PlannedStage } from '../plan/build-plan.js';
import { resolveBaseImage } from './base-image.js';
import { BuildCancelledError, BuildStepError } from './build-errors.js';
import type { BuildSession } from './build-session.js';
import { executeCopy, prepareCopy } from './copy-step.js';
import { DEFAULT_SHELL, nopTextSingle } from './history-text.js';
import { isMetadataInstruction, metadataStep } from './metadata-step.js';
import { executeRun, planRun } from './run-step.js';
import { withSourceTree } from './source-mount.js';
import {
  commitStep,
  imageStart,
  runConfigOf,
  type StageImage,
  type StepCommit,
  scratchImage,
} from './stage-image.js';
import { executeWorkdir } from './workdir-step.js';

/** Builds one stage of the plan: FROM, the base image's ONBUILD triggers, then each instruction. */
export class StageRun {
  private image!: StageImage;
  private vars!: StageVariables;
  private readonly changes: ChangeState = { cmdSet: false };

  constructor(
    private readonly session: BuildSession,
    private readonly planned: PlannedStage,
    /** Labels `--label` adds to the target stage, as one extra LABEL step. */
    private readonly labels?: Record<string, string>,
  ) {}

  async run(): Promise<StageImage> {
    const { stage } = this.planned;
    this.header(stage.from.original);
    const triggers = await this.start();
    this.vars = this.session.plan.stageVariables(runConfigOf(this.image).Env ?? []);
    if (triggers.length > 0) {
      this.session.output.line(
        `# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}`,
      );
      for (const text of triggers) {
        for (const instruction of parseInstructions(text, {
          file: `ONBUILD trigger of ${stage.from.image}`,
        })) {
          await this.instruction(instruction, true);
        }
      }
    }
    for (const instruction of stage.instructions) {
      this.header(instruction.original);
      await this.instruction(instruction, false);
    }
    if (this.labels && Object.keys(this.labels).length > 0) {
      const pairs = Object.entries(this.labels).map(([key, value]) => ({ key, value }));
      const text = `LABEL ${pairs.map((p) => `${p.key}=${JSON.stringify(p.value)}`).join(' ')}`;
      this.header(text);
      const label: LabelInstruction = { kind: 'LABEL', pairs, location: stage.from.location, original: text };
      await this.metadata(label as Resolved<LabelInstruction>);
    }
    if (this.image.id === undefined) {
      throw new InvalidArgumentError(
        `stage ${stage.name ?? stage.index} of ${this.session.plan.dockerfile.file} produced no image: FROM scratch needs at least one more instruction`,
      );
    }
    return this.image;
  }

  private header(text: string): void {
    this.session.step++;
    this.session.output.step(this.session.step, this.session.totalSteps, text);
  }

  /** Resolves the base; returns the ONBUILD triggers to run (taken out of the config, not inherited). */
  private async start(): Promise<string[]> {
    const { base, platform } = this.planned;
    const wanted = platform ?? this.session.platform;
    if (base.kind === 'scratch') {
      this.image = scratchImage(wanted);
      return [];
    }
    if (base.kind === 'stage') {
      const built = this.session.stages.get(base.index);
      if (!built)
        throw new InvalidArgumentError(
          `stage ${base.index} was not built before stage ${this.planned.stage.index}`,
        );
      this.image = built;
    } else {
      const record = await resolveBaseImage(this.session.deps, {
        ref: base.ref,
        platform: wanted,
        pull: this.session.request.pull ?? false,
        ...(this.session.request.registryAuth ? { auth: this.session.request.registryAuth } : {}),
        progress: (m) => this.session.output.progress(m),
      });
      this.image = imageStart(record);
    }
    if (this.image.id) this.session.output.image(this.image.id);
    const triggers = runConfigOf(this.image).OnBuild ?? [];
    if (triggers.length > 0) {
      const { OnBuild: _dropped, ...rest } = runConfigOf(this.image);
      this.image = { ...this.image, config: { ...this.image.config, config: rest } };
    }
    return [...triggers];
  }

  private async instruction(instruction: Instruction, trigger: boolean): Promise<void> {
    if (this.session.request.signal?.aborted) throw new BuildCancelledError();
    const resolved = this.vars.step(instruction);
    if (isMetadataInstruction(resolved)) return this.metadata(resolved);
    switch (resolved.kind) {
      case 'WORKDIR': {
        const runConfig = applyConfigChange(
          runConfigOf(this.image),
          { kind: 'WORKDIR', path: resolved.path },
          this.changes,
        );
        const createdBy = nopTextSingle(this.shell(), `WORKDIR ${runConfig.WorkingDir}`);
        return this.step(createdBy, [], () =>
          executeWorkdir(this.copyDeps(), this.image, runConfig, createdBy, this.session.now()),
        );
      }
      case 'RUN': {
        const plan = planRun(resolved, runConfigOf(this.image).Shell, this.vars.cacheArgs());
        const network =
          resolved.network === undefined || resolved.network === 'default'
            ? this.session.network
            : resolved.network;
        return this.step(plan.createdBy, [`network=${network}`], async () => {
          const id = randomBytes(32).toString('hex');
          this.session.output.arrow(`Running in ${id.slice(0, 12)}`);
          const commit = await executeRun(
            { ...this.session.deps, ...this.copyDeps() },
            {
              id,
              run: resolved,
              plan,
              image: this.image,
              env: this.vars.runEnvironment(),
              network,
              onOutput: (text) => this.session.output.output(text),
              ...(this.session.request.signal ? { signal: this.session.request.signal } : {}),
            },
          );
          this.session.output.line(`Removing intermediate container ${id.slice(0, 12)}`);
          return commit;
        });
      }
      case 'COPY':
      case 'ADD':
        return this.copy(instruction as CopyInstruction | AddInstruction, resolved, trigger);
      default:
        throw new InvalidArgumentError(`${resolved.kind} cannot appear after FROM`);
    }
  }

  private async metadata(resolved: Resolved): Promise<void> {
    const step = metadataStep(runConfigOf(this.image), resolved, this.changes);
    await this.step(step.createdBy, step.extra, async () => ({
      runConfig: step.runConfig,
      history: { created_by: step.createdBy },
      ...(step.author !== undefined ? { author: step.author } : {}),
    }));
  }

  private async copy(
    raw: CopyInstruction | AddInstruction,
    resolved: Resolved<CopyInstruction> | Resolved<AddInstruction>,
    trigger: boolean,
  ): Promise<void> {
    let from: CopyFromRef | undefined;
    if (resolved.kind === 'COPY' && resolved.from !== undefined) {
      from =
        (!trigger && raw.kind === 'COPY' ? this.planned.copyFrom.get(raw) : undefined) ??
        this.session.plan.resolveCopyFrom(resolved.from, this.planned.stage.index, resolved.location);
    }
    const copying = withSourceTree(this.session, from, this.planned.platform, async (tree) => {
      const now = this.session.now();
      const prepared = await prepareCopy(this.copyDeps(), resolved, tree, this.image, {
        now,
        ...(resolved.kind === 'COPY' && resolved.from !== undefined ? { fromText: resolved.from } : {}),
        ...(this.session.request.signal ? { signal: this.session.request.signal } : {}),
      });
      try {
        await this.step(prepared.createdBy, [], () =>
          executeCopy(this.copyDeps(), resolved, prepared, this.image, now),
        );
      } finally {
        await prepared.cleanup();
      }
    });
    try {
      await copying;
    } catch (err: unknown) {
      if (from?.kind !== 'image' || !(err instanceof NotFoundError) || err.ref !== from.ref) throw err;
      const names = this.session.plan.stages.flatMap((s) => (s.stage.name ? [s.stage.name] : []));
      throw new BuildStepError(
        resolved.location,
        'COPY',
        `--from=${from.ref} names no stage${names.length > 0 ? ` (the stages are ${names.join(', ')})` : ''} and no image on this machine: ${err.message}`,
        { cause: err, code: err.code },
      );
    }
  }

  /**
   * One cached step: a hit (the image still exists) replaces running it; a miss busts the cache
   * for the rest of the build, runs the step and records its image under the key.
   */
  private async step(createdBy: string, extra: string[], run: () => Promise<StepCommit>): Promise<void> {
    const session = this.session;
    const key = session.cache.key({ parent: this.image.cacheParent, createdBy, extra });
    if (session.useCache) {
      const hit = await session.cache.lookup(key);
      if (hit) {
        session.output.arrow('Using cache');
        this.image = hit;
        session.output.image(hit.id as NonNullable<typeof hit.id>);
        return;
      }
      session.useCache = false;
    }
    const commit = await run();
    this.image = await commitStep(session.deps, this.image, commit, session.now());
    await session.cache.remember(key, this.image);
    session.output.image(this.image.id as NonNullable<typeof this.image.id>);
  }

  private shell(): readonly string[] {
    return runConfigOf(this.image).Shell ?? DEFAULT_SHELL;
  }

  private copyDeps() {
    const d = this.session.deps;
    return {
      content: d.content,
      snapshotter: d.snapshotter,
      ...this.session.stepRootfs,
      scratchDir: d.scratchDir,
      ...(d.specialFiles ? { specialFiles: d.specialFiles } : {}),
      ...(d.fetcher ? { fetcher: d.fetcher } : {}),
    };
  }
}
