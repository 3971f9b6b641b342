import type { Platform } from '../../images/image-config.js';
import type { BuildPlan } from '../plan/build-plan.js';
import type { SourceTree } from '../source/source-tree.js';
import type { BuildOutput } from './build-output.js';
import type { BuildNetwork, BuildRequest, ImageBuilderDeps } from './build-types.js';
import type { StageImage } from './stage-image.js';
import type { StepCache } from './step-cache.js';
import type { StepRootfsDeps } from './step-rootfs.js';

/** The state one build shares between its stages. */
export interface BuildSession {
  deps: ImageBuilderDeps;
  request: BuildRequest;
  plan: BuildPlan;
  output: BuildOutput;
  cache: StepCache;
  /** The build context. */
  context: SourceTree;
  /** The platform FROM images must have. */
  platform: Platform;
  /** What RUN steps get unless they say `--network=`. */
  network: BuildNetwork;
  /** False with `--no-cache`, and after the first miss (the classic builder's `cacheBusted`). */
  useCache: boolean;
  /** The result of every stage built so far, by index. */
  stages: Map<number, StageImage>;
  /** How steps get their root filesystems; releases are deferred and awaited when the build ends. */
  stepRootfs: StepRootfsDeps;
  step: number;
  totalSteps: number;
  now(): Date;
}
