import type { Readable } from 'node:stream';
import { MediaType } from '../constants.js';
import type { Digest } from '../content/digest.js';
import { InvalidArgumentError } from '../errors.js';
import { unpackLayer } from '../layers/unpack-layer.js';
import { applyConfigChanges } from './config-changes.js';
import { hostPlatform, type ImageConfig, type Platform } from './image-config.js';
import type { ImageRecord } from './image-record.js';
import type { ImageServiceDeps } from './image-service-deps.js';
import { ingestLayerBlob } from './ingest-layer-blob.js';
import { parseReference } from './reference.js';

export interface ImportOptions {
  ref?: string;
  changes?: string[];
  message?: string;
  platform?: string;
}

/**
 * `docker import` (moby daemon/images/image_import.go): the whole tar — plain, gzip or zstd —
 * becomes the image's one layer, exactly as given (its diff ID is the sha256 of the uncompressed
 * bytes); the config is minimal, with `--change`s applied and the message as history comment.
 */
export async function importImage(
  deps: ImageServiceDeps,
  tar: Readable,
  options: ImportOptions,
): Promise<ImageRecord> {
  // Everything that can be wrong with the options fails before the upload is read.
  if (options.ref !== undefined && parseReference(options.ref).digest !== undefined) {
    throw new InvalidArgumentError(
      `cannot import as ${JSON.stringify(options.ref)}: give a name and tag, not a digest`,
    );
  }
  const platform = options.platform ? parsePlatform(options.platform) : (deps.platform ?? hostPlatform());
  const runConfig = applyConfigChanges({}, options.changes ?? []);

  const layer = await ingestLayerBlob(deps.content, tar);
  try {
    const chainId = layer.diffId;
    await deps.snapshotter.ensure(chainId, async (dir) => {
      const unpacked = await unpackLayer(deps.content.read(layer.blob.digest), dir, {
        expectedDiffId: layer.diffId,
        specialFiles: deps.specialFiles,
      });
      return { size: unpacked.fileBytes };
    });
    const created = (deps.now?.() ?? new Date()).toISOString();
    const comment = options.message || 'Imported from -';
    const config: ImageConfig & { comment: string } = {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created,
      comment,
      config: runConfig,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, comment }],
    };
    const configBlob = await deps.content.put(Buffer.from(JSON.stringify(config)));
    const mediaType =
      layer.compression === 'gzip'
        ? MediaType.OciLayerGzip
        : layer.compression === 'zstd'
          ? MediaType.OciLayerZstd
          : MediaType.OciLayer;
    const record = await deps.store.put({
      configDigest: configBlob.digest,
      config,
      layers: [{ diffId: layer.diffId, chainId, size: layer.size, blob: { ...layer.blob, mediaType } }],
      tags: options.ref ? [options.ref] : [],
    });
    deps.logger.info({ image: record.id, ref: options.ref, diffId: layer.diffId }, 'image imported');
    return record;
  } catch (err) {
    await dropUnreferenced(deps, layer.blob.digest);
    throw err;
  }
}

async function dropUnreferenced(deps: ImageServiceDeps, digest: Digest): Promise<void> {
  const used = (await deps.store.list()).some((r) => r.layers.some((l) => l.blob?.digest === digest));
  if (!used) await deps.content.delete(digest);
}

/** `os/arch[/variant]`, as `docker import --platform` takes it. */
export function parsePlatform(value: string): Platform {
  const parts = value.toLowerCase().split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || (parts.length === 3 && !variant)) {
    throw new InvalidArgumentError(
      `invalid platform ${JSON.stringify(value)}: expected os/arch[/variant], e.g. linux/amd64`,
    );
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}
