import { pipeline } from 'node:stream/promises';
import { MediaType } from '../constants.js';
import { chainIds } from '../content/digest.js';
import { InvalidArgumentError } from '../errors.js';
import { applyConfigChanges } from '../images/config-changes.js';
import type { ImageConfig, ImageRunConfig } from '../images/image-config.js';
import type { ImageLayer } from '../images/image-record.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { CommitInput } from './container-service.js';

/** The container's configuration as an image config (what `docker commit` records). */
export function runConfigOf(record: ContainerRecord, parent: ImageRunConfig | undefined): ImageRunConfig {
  const { spec } = record;
  const config: ImageRunConfig = {
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.exposedPorts.length > 0
      ? {
          ExposedPorts: Object.fromEntries(
            spec.exposedPorts.map((p) => [`${p.containerPort}/${p.protocol}`, {}]),
          ),
        }
      : {}),
    Env: [...spec.env],
    Entrypoint: spec.entrypoint.length > 0 ? [...spec.entrypoint] : null,
    Cmd: spec.cmd.length > 0 ? [...spec.cmd] : null,
    ...(spec.volumes.length > 0 ? { Volumes: Object.fromEntries(spec.volumes.map((v) => [v, {}])) } : {}),
    WorkingDir: spec.workingDir,
    Labels: { ...spec.labels },
    ...(spec.stopSignal && spec.stopSignal !== 'SIGTERM' ? { StopSignal: spec.stopSignal } : {}),
    ...(spec.healthcheck ? { Healthcheck: { ...spec.healthcheck } } : {}),
    ...(parent?.OnBuild ? { OnBuild: parent.OnBuild } : {}),
    ...(parent?.Shell ? { Shell: parent.Shell } : {}),
  };
  return config;
}

/**
 * `POST /commit`: the rootfs upper dir becomes a layer (overlay whiteouts turned into `.wh.`
 * entries), stored as a blob and unpacked into its own snapshot (chain ID = parent chain +
 * diff ID), both in the layer worker threads; the new config is the container's configuration with `changes` applied, the parent's
 * history plus one entry. A running container is paused while its upper dir is read (`pause`,
 * default true, like Docker).
 */
export async function commitContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
  input: CommitInput,
): Promise<{ id: string }> {
  const content = ctx.deps.content;
  if (!content)
    throw new InvalidArgumentError('commit needs the content store, which this engine was built without');
  const parent = await ctx.deps.imageStore.get(record.spec.imageId);
  const rootfs = await ctx.deps.rootfs.get(record.id);
  if (!rootfs) throw new InvalidArgumentError(`container ${record.id} has no root filesystem to commit`);
  let config: ImageRunConfig = runConfigOf(record, parent.config.config);
  if (input.changes && input.changes.length > 0) {
    config = (ctx.deps.applyConfigChanges ?? applyConfigChanges)(config, input.changes);
  }

  const workers = ctx.layerWorkers();
  const pause = (input.pause ?? true) && record.state.status === 'running';
  if (pause) await ctx.deps.runtime.pause(record.id);
  let blob: { digest: ImageLayer['diffId']; size: number };
  try {
    const writer = await content.writer();
    try {
      // In a worker thread: the walk and reads of a large upper dir (a database's files) do not
      // hold up the engine, and direct system calls beat a thread-pool round trip per file.
      await pipeline(workers.diff(rootfs.upperdir), writer.stream);
      blob = await writer.commit();
    } catch (err: unknown) {
      await writer.abort();
      throw err;
    }
  } finally {
    if (pause) await ctx.deps.runtime.resume(record.id);
  }

  const diffIds = [...parent.config.rootfs.diff_ids, blob.digest];
  const chainId = chainIds(diffIds)[diffIds.length - 1]!;
  await ctx.deps.snapshotter.ensure(chainId, async (dir) => {
    const unpacked = await workers.unpack(content.read(blob.digest), dir, { expectedDiffId: blob.digest });
    return { size: unpacked.fileBytes };
  });
  const created = new Date().toISOString();
  const imageConfig: ImageConfig = {
    architecture: parent.config.architecture,
    os: parent.config.os,
    ...(parent.config.variant ? { variant: parent.config.variant } : {}),
    created,
    ...(input.author ? { author: input.author } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      ...(parent.config.history ?? []),
      {
        created,
        created_by: [...record.spec.entrypoint, ...record.spec.cmd].join(' '),
        ...(input.author ? { author: input.author } : {}),
        ...(input.comment ? { comment: input.comment } : {}),
      },
    ],
  };
  const configBlob = await content.put(Buffer.from(JSON.stringify(imageConfig)));
  const layer: ImageLayer = {
    diffId: blob.digest,
    chainId,
    size: blob.size,
    blob: { digest: blob.digest, size: blob.size, mediaType: MediaType.OciLayer },
  };
  const tags = input.repo ? [`${input.repo}:${input.tag || 'latest'}`] : [];
  const image = await ctx.deps.imageStore.put({
    configDigest: configBlob.digest,
    config: imageConfig,
    layers: [...parent.layers, layer],
    tags,
    parent: parent.id,
  });
  ctx.publish('commit', record, { comment: input.comment ?? '' });
  return { id: image.id };
}
