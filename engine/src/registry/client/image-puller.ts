import type { Logger } from 'pino';
import type { ContentStore } from '../../content/content-store.js';
import { chainIds, type Digest } from '../../content/digest.js';
import { errorMessage, RegistryError } from '../../errors.js';
import type { ImageConfig, Platform } from '../../images/image-config.js';
import type { ImageRecord } from '../../images/image-record.js';
import type { ProgressSink, RegistryAuth } from '../../images/image-service.js';
import type { ImageStore } from '../../images/image-store.js';
import {
  familiarName,
  formatReference,
  type ImageReference,
  parseReference,
  repositoryName,
} from '../../images/reference.js';
import type { Snapshotter } from '../../snapshots/snapshotter.js';
import { type Descriptor, type ImageManifest, LAYER_TYPES } from '../manifest.js';
import {
  formatPlatform,
  offeredPlatforms,
  parsePlatform,
  platformMatches,
  selectManifest,
} from '../platform.js';
import { RegistryErrorCode } from '../registry-constants.js';
import { fetchSmallBlob } from './blob-requests.js';
import { parseImageConfig } from './image-config-parser.js';
import { type LayerJob, LayerPuller, type LayerUnpacker } from './layer-puller.js';
import { type FetchedManifest, fetchManifest } from './manifest-fetcher.js';
import { mapLimit } from './map-limit.js';
import { ProgressReporter, shortId } from './progress-reporter.js';
import type { RegistryEndpoint } from './registry-endpoints.js';
import type { RegistrySession } from './registry-transport.js';
import type { RetryPolicy } from './retry-policy.js';

export interface PullDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  images: ImageStore;
  unpack: LayerUnpacker;
  logger: Logger;
  retry: RetryPolicy;
  concurrency: number;
  hostPlatform: Platform;
  now: () => number;
  endpointsFor(domain: string): RegistryEndpoint[];
  /** Told how many layers are about to be fetched, before the first request (warms up unpack workers). */
  prepareUnpack?(layers: number): void;
  session(
    endpoint: RegistryEndpoint,
    subject: string,
    auth: RegistryAuth | undefined,
  ): Promise<RegistrySession>;
}

export interface PullOptions {
  platform?: string;
  auth?: RegistryAuth;
  progress?: ProgressSink;
}

/** What a pull resolved before touching layers: the manifest chosen for the platform and its config. */
interface Resolved {
  session: RegistrySession;
  top: FetchedManifest;
  manifest: FetchedManifest & { parsed: ImageManifest };
  configDigest: Digest;
  config: ImageConfig;
}

/** Pulls an image: resolve (with mirror fallback), then layers into snapshots, then the image record. */
export class ImagePuller {
  constructor(private readonly deps: PullDeps) {}

  async pull(input: string, options: PullOptions = {}): Promise<ImageRecord> {
    const ref = parseReference(input);
    const image = formatReference(ref);
    const progress = new ProgressReporter(options.progress, this.deps.now);
    const want = options.platform ? parsePlatform(options.platform) : this.deps.hostPlatform;
    const logger = this.deps.logger.child({ pull: image });
    progress.status(`Pulling from ${ref.path}`, ref.digest ?? ref.tag);
    const resolved = await this.resolveWithFallback(ref, image, want, options, logger);
    const { session, top, manifest, configDigest, config } = resolved;
    const repoTags =
      ref.tag !== undefined && ref.digest === undefined ? [`${repositoryName(ref)}:${ref.tag}`] : [];
    const repoDigests = [`${repositoryName(ref)}@${top.digest}`];
    const manifestInfo = {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.bytes.length,
    };
    const diffIds = config.rootfs.diff_ids;
    const chain = chainIds(diffIds);

    const existing = await this.deps.images.find(configDigest);
    if (existing && (await this.allSnapshotsExist(chain))) {
      const record = await this.deps.images.put({
        configDigest,
        config,
        layers: existing.layers,
        tags: repoTags,
        repoDigests,
        manifest: existing.manifest ?? manifestInfo,
      });
      progress.status(`Digest: ${top.digest}`);
      progress.status(`Status: Image is up to date for ${familiarName(ref)}`);
      return record;
    }

    const jobs: LayerJob[] = manifest.parsed.layers.map((desc, i) => ({
      desc,
      diffId: diffIds[i]!,
      chainId: chain[i]!,
    }));
    const puller = new LayerPuller(
      {
        session,
        repository: ref.path,
        content: this.deps.content,
        snapshotter: this.deps.snapshotter,
        unpack: this.deps.unpack,
        progress,
        logger,
        retry: this.deps.retry,
      },
      image,
    );
    this.deps.prepareUnpack?.(Math.min(jobs.length, this.deps.concurrency));
    for (const job of jobs) progress.layer(shortId(job.desc.digest), 'Pulling fs layer');
    const layers = await mapLimit(jobs, this.deps.concurrency, (job) => puller.pull(job));
    // Manifests are kept (exact bytes) so a push or save can reproduce the same digests.
    await this.deps.content.put(manifest.bytes, { digest: manifest.digest });
    if (top.digest !== manifest.digest) await this.deps.content.put(top.bytes, { digest: top.digest });
    const record = await this.deps.images.put({
      configDigest,
      config,
      layers,
      tags: repoTags,
      repoDigests,
      manifest: manifestInfo,
    });
    progress.status(`Digest: ${top.digest}`);
    progress.status(`Status: Downloaded newer image for ${familiarName(ref)}`);
    logger.info({ id: configDigest, layers: layers.length }, 'pulled');
    return record;
  }

  private async allSnapshotsExist(chain: Digest[]): Promise<boolean> {
    const stats = await Promise.all(chain.map((c) => this.deps.snapshotter.stat(c)));
    return stats.every((s) => s !== undefined);
  }

  /** Docker's registry-mirrors semantics: mirrors first, each failure falls through to the next, origin last. */
  private async resolveWithFallback(
    ref: ImageReference,
    image: string,
    want: Platform,
    options: PullOptions,
    logger: Logger,
  ): Promise<Resolved> {
    const endpoints = this.deps.endpointsFor(ref.domain);
    for (const [i, endpoint] of endpoints.entries()) {
      const session = await this.deps.session(endpoint, `pull of ${image}`, options.auth);
      try {
        return await this.resolve(session, ref, image, want, options.platform !== undefined);
      } catch (err) {
        if (!endpoint.mirror || i === endpoints.length - 1) throw err;
        logger.warn(
          { mirror: endpoint.display, err: errorMessage(err) },
          'mirror failed; trying the next endpoint',
        );
      }
    }
    throw new RegistryError(`pull of ${image}: no registry endpoint to try`);
  }

  private async resolve(
    session: RegistrySession,
    ref: ImageReference,
    image: string,
    want: Platform,
    explicitPlatform: boolean,
  ): Promise<Resolved> {
    const registry = session.endpoint.display;
    const top = await fetchManifest(session, ref.path, ref.digest ?? ref.tag!, image, this.deps.content);
    let current: FetchedManifest = top;
    for (let depth = 0; current.parsed.kind === 'index'; depth++) {
      const chosen: Descriptor | undefined = selectManifest(current.parsed.manifests, want);
      if (!chosen || depth > 2) {
        const offered = offeredPlatforms(current.parsed.manifests);
        throw new RegistryError(
          `no matching manifest for ${formatPlatform(want)} in the manifest list of ${image} (registry ${registry} offers ${offered.join(', ') || 'no platforms'})`,
          undefined,
          { code: RegistryErrorCode.PlatformNotFound },
        );
      }
      current = await fetchManifest(session, ref.path, chosen.digest, image, this.deps.content);
    }
    if (current.parsed.kind !== 'manifest') {
      throw new RegistryError(
        `${image}: nested manifest lists are not supported (registry ${registry})`,
        undefined,
        {
          code: RegistryErrorCode.ManifestInvalid,
        },
      );
    }
    const manifest = current as FetchedManifest & { parsed: ImageManifest };
    for (const layer of manifest.parsed.layers) {
      if (!LAYER_TYPES.has(layer.mediaType)) {
        throw new RegistryError(
          `${image} is not a container image: layer ${layer.digest} has media type ${layer.mediaType} (registry ${registry})`,
          undefined,
          { code: RegistryErrorCode.ManifestInvalid },
        );
      }
    }
    const configDesc = manifest.parsed.config;
    const where = `${image} (registry ${registry})`;
    let configBytes: Buffer;
    if (await this.deps.content.has(configDesc.digest)) {
      configBytes = await this.deps.content.readBuffer(configDesc.digest);
    } else {
      configBytes = await fetchSmallBlob(session, ref.path, configDesc);
      await this.deps.content.put(configBytes, { digest: configDesc.digest, size: configDesc.size });
    }
    const config = parseImageConfig(configBytes, manifest.parsed.layers.length, where);
    if (
      explicitPlatform &&
      !platformMatches(want, { os: config.os, architecture: config.architecture, variant: config.variant })
    ) {
      throw new RegistryError(
        `${image} is for ${formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant })}, not the requested ${formatPlatform(want)} (registry ${registry})`,
        undefined,
        { code: RegistryErrorCode.PlatformNotFound },
      );
    }
    return { session, top, manifest, configDigest: configDesc.digest, config };
  }
}
