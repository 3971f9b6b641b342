import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { NetworkManager } from '@skiff/net';
import type { EngineConfig } from '../../config.js';
import type { ContentStore } from '../../content/content-store.js';
import { errorMessage } from '../../errors.js';
import type { ImageService } from '../../images/image-service.js';
import type { ImageStore } from '../../images/image-store.js';
import type { Logger } from '../../logger.js';
import type { Mounter } from '../../os/mounter.js';
import type { OciRuntime } from '../../runtime/oci-runtime.js';
import type { HostFacts } from '../../runtime/oci-spec.js';
import { OverlayRootfsManager } from '../../snapshots/overlay-rootfs.js';
import type { Snapshotter } from '../../snapshots/snapshotter.js';
import { SPOOL_PREFIX } from '../source/tar-context.js';
import { ImageBuilder } from './image-builder.js';
import { HttpUrlFetcher } from './url-fetcher.js';

export interface BuildPartsDeps {
  config: EngineConfig;
  logger: Logger;
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  /** Pulls missing FROM images. */
  images: Pick<ImageService, 'pull'>;
  runtime: OciRuntime;
  mounter: Mounter;
  network?: NetworkManager;
  host: HostFacts;
}

export interface BuildParts {
  builder: ImageBuilder;
  /** Where `POST /build` spools uploaded contexts (on disk under the root, never in memory). */
  spoolDir: string;
}

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The builder of one engine, and the cleanup of what a crashed predecessor's builds left:
 * step root filesystems (unmounted and deleted), bundles and downloads in the builder's scratch
 * dir, and context spool files of processes that no longer exist. (Step containers and their
 * cgroups live in the engine's runtime state, which container recovery cleans.)
 */
export async function createBuildParts(deps: BuildPartsDeps): Promise<BuildParts> {
  const logger = deps.logger.child({ component: 'builder' });
  const scratchDir = path.join(deps.config.scratchDir, 'build');
  const rootfs = new OverlayRootfsManager({
    scratchDir,
    snapshotter: deps.snapshotter,
    mounter: deps.mounter,
    logger,
  });
  const removed = await rootfs.reconcile(new Set());
  if (removed.length > 0) logger.info({ count: removed.length }, 'removed leftover build roots');
  for (const sub of ['bundles', 'downloads'])
    await rm(path.join(scratchDir, sub), { recursive: true, force: true });
  const spoolDir = path.join(deps.config.root, 'tmp', 'build');
  for (const name of await readdir(spoolDir).catch(() => [] as string[])) {
    const pid = Number(name.slice(SPOOL_PREFIX.length).split('-')[0]);
    if (name.startsWith(SPOOL_PREFIX) && Number.isInteger(pid) && pid > 0 && !ownerAlive(pid)) {
      await rm(path.join(spoolDir, name), { force: true }).catch((err: unknown) =>
        logger.warn({ file: name, err: errorMessage(err) }, 'cannot remove a stale build context spool'),
      );
    }
  }
  const builder = new ImageBuilder({
    store: deps.store,
    content: deps.content,
    snapshotter: deps.snapshotter,
    rootfs,
    runtime: deps.runtime,
    hostFacts: async () => deps.host,
    engineName: deps.config.engineName,
    scratchDir,
    cacheDir: path.join(deps.config.root, 'build-cache', 'keys'),
    pull: (ref, options) => deps.images.pull(ref, options),
    ...(deps.network ? { network: deps.network } : {}),
    fetcher: new HttpUrlFetcher(),
    logger,
  });
  return { builder, spoolDir };
}
