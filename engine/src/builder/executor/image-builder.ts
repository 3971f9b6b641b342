import type { Digest } from '../../content/digest.js';
import { errorMessage, InvalidArgumentError } from '../../errors.js';
import { hostPlatform, type Platform } from '../../images/image-config.js';
import { parseReference } from '../../images/reference.js';
import { BuildCache } from '../cache/build-cache.js';
import { DockerfileSyntaxError } from '../dockerfile-syntax-error.js';
import { parseDockerfile } from '../parser/parse-dockerfile.js';
import { type BuildPlan, planBuild } from '../plan/build-plan.js';
import { parsePlatform } from '../plan/platform.js';
import { BuildOutput, type BuildSink } from './build-output.js';
import type { BuildSession } from './build-session.js';
import type {
  BuildContext,
  BuildNetwork,
  BuildRequest,
  BuildResult,
  ImageBuilderDeps,
} from './build-types.js';
import type { StageImage } from './stage-image.js';
import { StageRun } from './stage-run.js';
import { StepCache } from './step-cache.js';
import { TrackingRootfs } from './tracking-rootfs.js';

const NETWORKS: Record<string, BuildNetwork | 'default'> = {
  '': 'default',
  default: 'default',
  host: 'host',
  none: 'none',
  bridge: 'bridge',
};

/** What a request is checked against before anything runs (Docker answers these with a 400). */
export interface CheckedRequest {
  tags: string[];
  platform: Platform;
  network: BuildNetwork;
}

/**
 * Dockerfile builds with the classic builder's semantics and output, on the engine's own parts:
 * every RUN is a container on an overlay of the image's snapshots, every filesystem step's upper
 * dir becomes a layer, every step is recorded as an image and cached by (parent, instruction,
 * build args, content). Nothing a step used — container, mounts, bundle, rootfs — survives it,
 * whether it succeeded, failed or was cancelled.
 */
export class ImageBuilder {
  private readonly cache: StepCache;
  private readonly deps: ImageBuilderDeps;
  private readonly rootfs: TrackingRootfs;

  constructor(deps: ImageBuilderDeps) {
    this.rootfs = new TrackingRootfs(deps.rootfs);
    this.deps = { ...deps, rootfs: this.rootfs };
    this.cache = new StepCache(new BuildCache(deps.cacheDir), deps.store, deps.snapshotter);
  }

  /**
   * Layer chains running builds have mounted: image garbage collection must keep their snapshots
   * (the composition root adds them to the image service's `chainsInUse`).
   */
  chainsInUse(): Digest[] {
    return this.rootfs.chainsInUse();
  }

  /** Validates tags, platform and network mode; throws InvalidArgumentError. Cheap: call before reading a context. */
  check(request: BuildRequest): CheckedRequest {
    const tags = (request.tags ?? []).map((t) => {
      try {
        const ref = parseReference(t);
        if (ref.digest !== undefined) throw new Error('a tag cannot contain a digest');
        return t;
      } catch (err: unknown) {
        throw new InvalidArgumentError(`invalid tag ${JSON.stringify(t)}: ${errorMessage(err)}`, {
          cause: err,
        });
      }
    });
    let platform = hostPlatform();
    if (request.platform) {
      try {
        platform = parsePlatform(request.platform);
      } catch (err: unknown) {
        throw new InvalidArgumentError(errorMessage(err), { cause: err });
      }
    }
    const mode = NETWORKS[request.networkMode ?? ''];
    if (mode === undefined) {
      throw new InvalidArgumentError(
        `unsupported network mode ${JSON.stringify(request.networkMode)} for RUN steps: use default, host, none or bridge`,
      );
    }
    return { tags, platform, network: mode === 'default' ? (this.deps.defaultNetwork ?? 'host') : mode };
  }

  /**
   * Parses and plans the Dockerfile: syntax errors, unknown stages and targets fail here with
   * InvalidArgumentError, before any output.
   */
  plan(context: BuildContext, request: BuildRequest, checked: CheckedRequest): BuildPlan {
    try {
      const dockerfile = parseDockerfile(context.dockerfile.text, { file: context.dockerfile.name });
      return planBuild(dockerfile, {
        buildArgs: request.buildArgs ?? new Map(),
        ...(request.target ? { target: request.target } : {}),
        targetPlatform: checked.platform,
      });
    } catch (err: unknown) {
      if (err instanceof DockerfileSyntaxError) throw new InvalidArgumentError(err.message, { cause: err });
      throw err;
    }
  }

  /** Runs a planned build, writing Docker's progress messages to `sink`. */
  async run(
    context: BuildContext,
    request: BuildRequest,
    checked: CheckedRequest,
    plan: BuildPlan,
    sink: BuildSink,
  ): Promise<BuildResult> {
    const output = new BuildOutput(sink, request.quiet ?? false);
    const labels = request.labels && Object.keys(request.labels).length > 0 ? request.labels : undefined;
    const totalSteps = plan.order.reduce((n, s) => n + 1 + s.stage.instructions.length, 0) + (labels ? 1 : 0);
    const releases: Promise<void>[] = [];
    const session: BuildSession = {
      deps: this.deps,
      request,
      plan,
      output,
      cache: this.cache,
      context: context.tree,
      platform: checked.platform,
      network: checked.network,
      useCache: !(request.noCache ?? false),
      stages: new Map<number, StageImage>(),
      stepRootfs: {
        rootfs: this.rootfs,
        logger: this.deps.logger,
        defer: (release) => releases.push(release),
      },
      step: 0,
      totalSteps,
      now: this.deps.now ?? (() => new Date()),
    };
    try {
      for (const warning of plan.warnings)
        output.warning(`${warning.file}:${warning.line}: ${warning.message}`);
      let result: StageImage | undefined;
      for (const planned of plan.order) {
        const isTarget = planned === plan.target;
        result = await new StageRun(session, planned, isTarget ? labels : undefined).run();
        session.stages.set(planned.stage.index, result);
      }
      const id = result?.id;
      if (id === undefined) throw new InvalidArgumentError('the Dockerfile produced no image');
      for (const tag of checked.tags) await this.deps.store.tag(id, tag);
      output.done(id, checked.tags);
      this.deps.logger.info({ image: id, tags: checked.tags, steps: session.step }, 'image built');
      return { imageId: id, tags: checked.tags };
    } finally {
      // Nothing a step used outlives the build, whatever its outcome.
      await Promise.all(releases);
    }
  }

  /** `check`, `plan` and `run` in one call. */
  async build(context: BuildContext, request: BuildRequest, sink: BuildSink): Promise<BuildResult> {
    const checked = this.check(request);
    return this.run(context, request, checked, this.plan(context, request, checked), sink);
  }
}
