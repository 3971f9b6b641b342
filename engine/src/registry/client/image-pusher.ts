import type { Logger } from 'pino';
import { Header, MediaType } from '../../constants.js';
import type { ContentStore } from '../../content/content-store.js';
import { type Digest, sha256 } from '../../content/digest.js';
import { InvalidArgumentError, RegistryError } from '../../errors.js';
import type { ImageRecord } from '../../images/image-record.js';
import type { ProgressSink, RegistryAuth } from '../../images/image-service.js';
import type { ImageStore } from '../../images/image-store.js';
import { formatReference, parseReference, repositoryName } from '../../images/reference.js';
import { type Descriptor, isManifestShapeError, parseManifestOrThrow } from '../manifest.js';
import { BlobPusher, type UploadMode } from './blob-pusher.js';
import { pullScope, pushScope, unexpectedStatus } from './blob-requests.js';
import { mapLimit } from './map-limit.js';
import { ProgressReporter } from './progress-reporter.js';
import type { RegistryEndpoint } from './registry-endpoints.js';
import type { RegistrySession } from './registry-transport.js';

export interface PushDeps {
  content: ContentStore;
  images: ImageStore;
  logger: Logger;
  concurrency: number;
  now: () => number;
  origin(domain: string): RegistryEndpoint;
  session(
    endpoint: RegistryEndpoint,
    subject: string,
    auth: RegistryAuth | undefined,
  ): Promise<RegistrySession>;
}

export interface PushOptions {
  auth?: RegistryAuth;
  progress?: ProgressSink;
  /** Default `monolithic`. */
  uploadMode?: UploadMode;
  /** Chunk size for `chunked` uploads (default 8 MiB). */
  chunkSize?: number;
}

interface PushPlan {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

const DOCKER_TO_OCI: Record<string, string> = {
  [MediaType.DockerLayerGzip]: MediaType.OciLayerGzip,
  [MediaType.DockerForeignLayerGzip]: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar': MediaType.OciLayer,
};

/**
 * Pushes an image record: its layers and config from the content store, then its manifest.
 * A pulled image is pushed with the exact manifest bytes it came with, so digests survive a
 * round trip. An image made here (import, build) whose layers exist only as uncompressed tars
 * (blob digest = diff ID) is pushed with those tars as `application/vnd.oci.image.layer.v1.tar`
 * under a deterministic OCI manifest: no recompression, so pushing again changes nothing and a
 * pull of the result yields the same config, diff IDs and manifest digest.
 */
export class ImagePusher {
  constructor(private readonly deps: PushDeps) {}

  async push(input: string, options: PushOptions = {}): Promise<{ digest: string; size: number }> {
    const ref = parseReference(input);
    if (ref.digest !== undefined) {
      throw new InvalidArgumentError(`cannot push ${input}: push a tag, not a digest`);
    }
    const tag = ref.tag!;
    const image = formatReference(ref);
    const repo = repositoryName(ref);
    const progress = new ProgressReporter(options.progress, this.deps.now);
    const logger = this.deps.logger.child({ push: image });
    const record = await this.deps.images.get(image);
    progress.status(`The push refers to repository [${repo}]`);
    const plan = await this.plan(record, image);
    const endpoint = this.deps.origin(ref.domain);
    const session = await this.deps.session(endpoint, `push of ${image}`, options.auth);
    // Blobs of images pulled from another repository of the same registry can be mounted from there.
    const mountFrom = [
      ...new Set(
        record.repoDigests
          .map((d) => parseReference(d))
          .filter((r) => r.domain === ref.domain && r.path !== ref.path)
          .map((r) => r.path),
      ),
    ].slice(0, 3);
    // One scope set for every request of the push, so one token serves them all.
    const scopes = [pushScope(ref.path), ...mountFrom.map(pullScope)];
    const pusher = new BlobPusher({
      session,
      repository: ref.path,
      content: this.deps.content,
      progress,
      logger,
      scopes,
      mode: options.uploadMode ?? 'monolithic',
      chunkSize: options.chunkSize ?? 8 << 20,
    });
    await mapLimit(plan.layers, this.deps.concurrency, (desc) => pusher.push(desc, mountFrom, true));
    await pusher.push(plan.config, mountFrom, false);
    await this.putManifest(session, ref.path, tag, plan, scopes);
    progress.status(`${tag}: digest: ${plan.digest} size: ${plan.bytes.length}`);
    progress.aux({ Tag: tag, Digest: plan.digest, Size: plan.bytes.length });
    await this.deps.images.addRepoDigest(record.id, `${repo}@${plan.digest}`);
    logger.info({ digest: plan.digest }, 'pushed');
    return { digest: plan.digest, size: plan.bytes.length };
  }

  /** Skips the PUT when the tag already points at these exact bytes (a second push is a no-op). */
  private async putManifest(
    session: RegistrySession,
    repository: string,
    tag: string,
    plan: PushPlan,
    scopes: readonly string[],
  ) {
    const head = await session.send({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${tag}`,
      headers: { Accept: plan.mediaType },
      scopes,
    });
    await head.body.dump();
    if (head.statusCode === 200 && head.headers[Header.ContentDigest.toLowerCase()] === plan.digest) return;
    const res = await session.send({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${tag}`,
      headers: { 'Content-Type': plan.mediaType },
      body: () => plan.bytes,
      scopes,
    });
    if (res.statusCode !== 201) throw await unexpectedStatus(session, res, `storing manifest ${tag}`);
    await res.body.dump();
  }

  private async plan(record: ImageRecord, image: string): Promise<PushPlan> {
    const { content } = this.deps;
    const configInfo = await content.info(record.id);
    if (!configInfo) {
      throw new RegistryError(
        `cannot push ${image}: its config blob ${record.id} is missing from the content store`,
      );
    }
    if (record.manifest && (await content.has(record.manifest.digest))) {
      const bytes = await content.readBuffer(record.manifest.digest);
      try {
        const parsed = parseManifestOrThrow(bytes, record.manifest.mediaType);
        if (
          parsed.kind === 'manifest' &&
          parsed.config.digest === record.id &&
          (await Promise.all(parsed.layers.map((l) => content.has(l.digest)))).every(Boolean)
        ) {
          return {
            bytes,
            digest: record.manifest.digest,
            mediaType: parsed.mediaType,
            config: parsed.config,
            layers: parsed.layers,
          };
        }
      } catch (err) {
        if (!isManifestShapeError(err)) throw err;
      }
    }
    const layers: Descriptor[] = [];
    for (const layer of record.layers) {
      if (layer.blob && (await content.has(layer.blob.digest))) {
        layers.push({ mediaType: layer.blob.mediaType, digest: layer.blob.digest, size: layer.blob.size });
        continue;
      }
      const tar = await content.info(layer.diffId);
      if (!tar) {
        throw new RegistryError(
          `cannot push ${image}: layer ${layer.diffId} has neither a compressed blob nor its tar in the content store; rebuild or re-import the image`,
        );
      }
      layers.push({ mediaType: MediaType.OciLayer, digest: layer.diffId, size: tar.size });
    }
    const docker = layers.every((l) => l.mediaType.startsWith('application/vnd.docker.'));
    const doc = docker
      ? {
          schemaVersion: 2,
          mediaType: MediaType.DockerManifest,
          config: { mediaType: MediaType.DockerConfig, size: configInfo.size, digest: record.id },
          layers,
        }
      : {
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          config: { mediaType: MediaType.OciConfig, digest: record.id, size: configInfo.size },
          layers: layers.map((l) => ({ ...l, mediaType: DOCKER_TO_OCI[l.mediaType] ?? l.mediaType })),
        };
    const bytes = Buffer.from(JSON.stringify(doc, null, 2));
    await content.put(bytes);
    return { bytes, digest: sha256(bytes), mediaType: doc.mediaType, config: doc.config, layers: doc.layers };
  }
}
