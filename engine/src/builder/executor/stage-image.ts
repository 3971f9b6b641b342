import type { ContentStore } from '../../content/content-store.js';
import type { Digest } from '../../content/digest.js';
import type { HistoryEntry, ImageConfig, ImageRunConfig, Platform } from '../../images/image-config.js';
import type { ImageLayer, ImageRecord } from '../../images/image-record.js';
import type { ImageStore } from '../../images/image-store.js';

/**
 * Where a stage stands after each step: the image the step produced (its ID is the parent of the
 * next step's cache key), its config and its layers. Before the first step of `FROM scratch`
 * there is no image: `id` is undefined and `cacheParent` names the empty platform root.
 */
export interface StageImage {
  id: Digest | undefined;
  cacheParent: string;
  config: ImageConfig;
  layers: ImageLayer[];
}

/** The starting point of `FROM scratch`. */
export function scratchImage(platform: Platform): StageImage {
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  return {
    id: undefined,
    cacheParent: `scratch:${platform.os}/${platform.architecture}/${platform.variant ?? ''}`,
    config,
    layers: [],
  };
}

/** A stage starting from an existing image (or an earlier stage's result). */
export function imageStart(record: ImageRecord): StageImage {
  return { id: record.id, cacheParent: record.id, config: record.config, layers: record.layers };
}

export function runConfigOf(image: StageImage): ImageRunConfig {
  return image.config.config ?? {};
}

export function chainOf(image: StageImage): Digest[] {
  return image.layers.map((l) => l.chainId);
}

export interface StepCommit {
  runConfig: ImageRunConfig;
  history: HistoryEntry;
  layer?: ImageLayer;
  author?: string;
}

/**
 * Records the result of one step as an image: the config blob goes to the content store (its
 * digest is the image ID), the record to the image store with the previous image as parent, the
 * way the classic builder keeps one image per step.
 */
export async function commitStep(
  deps: { content: ContentStore; store: ImageStore },
  from: StageImage,
  step: StepCommit,
  created: Date,
): Promise<StageImage> {
  const base = from.config;
  const createdAt = created.toISOString();
  const history: HistoryEntry = { created: createdAt, ...step.history };
  if (!step.layer) history.empty_layer = true;
  const layers = step.layer ? [...from.layers, step.layer] : from.layers;
  const config: ImageConfig = {
    architecture: base.architecture,
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    created: createdAt,
    ...((step.author ?? base.author) ? { author: step.author ?? base.author } : {}),
    config: step.runConfig,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: [...(base.history ?? []), history],
  };
  const blob = await deps.content.put(Buffer.from(JSON.stringify(config)));
  await deps.store.put({
    configDigest: blob.digest,
    config,
    layers,
    ...(from.id ? { parent: from.id } : {}),
  });
  return { id: blob.digest, cacheParent: blob.digest, config, layers };
}
