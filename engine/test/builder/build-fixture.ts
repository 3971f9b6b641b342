import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { busyboxTar, engineLeftovers, removeEngineLeftovers } from '@skiff/testing';
import { StatCache } from '../../src/builder/cache/stat-cache.js';
import { openDirectoryContext } from '../../src/builder/executor/build-context.js';
import type { BuildSink } from '../../src/builder/executor/build-output.js';
import type { BuildRequest, BuildResult, ImageBuilderDeps } from '../../src/builder/executor/build-types.js';
import { ImageBuilder } from '../../src/builder/executor/image-builder.js';
import { HttpUrlFetcher } from '../../src/builder/executor/url-fetcher.js';
import { LocalContentStore } from '../../src/content/local-content-store.js';
import type { ImageRecord } from '../../src/images/image-record.js';
import type { ProgressMessage } from '../../src/images/image-service.js';
import { LocalImageService } from '../../src/images/local-image-service.js';
import { LocalImageStore } from '../../src/images/local-image-store.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMounter } from '../../src/os/system-mounter.js';
import { createOciRuntime } from '../../src/runtime/create-oci-runtime.js';
import type { CliOciRuntime } from '../../src/runtime/crun-runtime.js';
import { gatherHostFacts } from '../../src/runtime/host-facts.js';
import { LocalSnapshotter } from '../../src/snapshots/local-snapshotter.js';
import { OverlayRootfsManager } from '../../src/snapshots/overlay-rootfs.js';

export interface BuildRun {
  result?: BuildResult;
  error?: unknown;
  messages: ProgressMessage[];
  /** The `stream` text, concatenated. */
  log: string;
}

/**
 * A private engine for builder tests: its own root and scratch on tmpfs, its own engine name
 * (runtime state, cgroups), the real LocalContentStore/LocalSnapshotter/LocalImageStore, crun,
 * overlayfs, and a busybox image imported through the image service.
 */
export class BuildFixture {
  readonly engineName = `bt-${randomBytes(4).toString('hex')}`;
  readonly mounter = new SystemMounter();
  base = '';
  root = '';
  scratch = '';
  runtime!: CliOciRuntime;
  images!: LocalImageService;
  store!: LocalImageStore;
  snapshotter!: LocalSnapshotter;
  content!: LocalContentStore;
  builder!: ImageBuilder;
  deps!: ImageBuilderDeps;
  statCache!: StatCache;
  busybox!: ImageRecord;

  async setup(options: { pull?: ImageBuilderDeps['pull'] } = {}): Promise<void> {
    this.base = await mkdtemp('/dev/shm/skiff-build-');
    this.root = path.join(this.base, 'root');
    this.scratch = path.join(this.base, 'scratch');
    const logger = silentLogger();
    this.content = await new LocalContentStore(path.join(this.root, 'content')).init();
    this.snapshotter = await new LocalSnapshotter(path.join(this.root, 'snapshots')).init();
    this.store = await new LocalImageStore(path.join(this.root, 'images')).init();
    this.images = new LocalImageService({
      store: this.store,
      content: this.content,
      snapshotter: this.snapshotter,
      logger,
    });
    this.busybox = await this.images.importTar(createReadStream(await busyboxTar()), {
      ref: 'busybox:latest',
      // Docker Hub's busybox config: a PATH and `sh`.
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sh"]'],
    });
    this.runtime = await createOciRuntime({ name: 'crun', scratchDir: this.scratch, logger });
    const facts = gatherHostFacts();
    this.statCache = new StatCache(path.join(this.root, 'build-cache', 'stat'), logger);
    this.deps = {
      store: this.store,
      content: this.content,
      snapshotter: this.snapshotter,
      rootfs: new OverlayRootfsManager({
        scratchDir: path.join(this.scratch, 'build'),
        snapshotter: this.snapshotter,
        mounter: this.mounter,
        logger,
      }),
      runtime: this.runtime,
      hostFacts: () => facts,
      engineName: this.engineName,
      scratchDir: path.join(this.scratch, 'build'),
      cacheDir: path.join(this.root, 'build-cache', 'keys'),
      fetcher: new HttpUrlFetcher(),
      logger,
      ...(options.pull ? { pull: options.pull } : {}),
    };
    this.builder = new ImageBuilder(this.deps);
  }

  /** Builds a directory context, collecting the progress stream; never throws. */
  async build(
    dir: string,
    request: BuildRequest = {},
    dockerfile?: string | { text: string },
  ): Promise<BuildRun> {
    const messages: ProgressMessage[] = [];
    const sink: BuildSink = (m) => messages.push(m);
    const run: BuildRun = { messages, log: '' };
    try {
      const context = await openDirectoryContext(dir, {
        statCache: this.statCache,
        ...(dockerfile !== undefined ? { dockerfile } : {}),
      });
      try {
        run.result = await this.builder.build(context, request, sink);
      } finally {
        await context.close();
      }
    } catch (err: unknown) {
      run.error = err;
    }
    run.log = messages.map((m) => m.stream ?? '').join('');
    return run;
  }

  /** A context directory with the given files (path → content). */
  async context(files: Record<string, string | Buffer>): Promise<string> {
    const dir = await mkdtemp(path.join(this.base, 'ctx-'));
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await import('node:fs/promises').then((fs) => fs.writeFile(path.join(dir, rel), content));
    }
    return dir;
  }

  /** Runs `fn` on a mounted view of an image's root filesystem (an overlay of its snapshots), then releases it. */
  async withImageRoot<T>(ref: string, fn: (root: string) => Promise<T>): Promise<T> {
    const image = await this.store.get(ref);
    const id = randomBytes(16).toString('hex');
    const fs = await this.deps.rootfs.prepare(
      id,
      image.layers.map((l) => l.chainId),
    );
    try {
      return await fn(fs.mountpoint);
    } finally {
      await this.deps.rootfs.release(id);
    }
  }

  /** A file of an image (through the overlay, so whiteouts hide what they delete), or undefined. */
  async readImageFile(ref: string, file: string): Promise<string | undefined> {
    return this.withImageRoot(ref, async (root) => {
      const p = path.join(root, file);
      return existsSync(p) ? readFile(p, 'utf8') : undefined;
    });
  }

  /** Runtime state, mounts, cgroups, scratch dirs and stray snapshot fills the builder left behind. */
  async leftovers(): Promise<string[]> {
    const left = await engineLeftovers(this);
    for (const sub of ['build/containers', 'build/bundles', 'build/downloads', 'runtime']) {
      const dir = path.join(this.scratch, sub);
      for (const e of await readdir(dir).catch(() => [])) left.push(`scratch ${dir}/${e}`);
    }
    for (const e of await readdir(path.join(this.root, 'snapshots')).catch(() => [])) {
      if (e.startsWith('.tmp-') || e.startsWith('.trash-')) left.push(`snapshot fill ${e}`);
    }
    for (const e of await readdir(path.join(this.root, 'tmp', 'build')).catch(() => []))
      left.push(`spool ${e}`);
    return left;
  }

  async teardown(): Promise<void> {
    if (!this.base) return;
    await removeEngineLeftovers(this);
    await rm(this.base, { recursive: true, force: true });
  }
}
