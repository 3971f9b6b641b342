import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { LinuxNetworkManager } from '@skiff/net';
import { cgroupParents, engineLeftovers, removeEngineLeftovers } from '@skiff/testing';
import { loadEngineConfig } from '../../src/config.js';
import type { ContainerServiceDeps } from '../../src/containers/container-context.js';
import {
  createContainerService,
  type LocalContainerService,
} from '../../src/containers/local-container-service.js';
import { LocalContentStore } from '../../src/content/local-content-store.js';
import { EventBus } from '../../src/events/event-bus.js';
import { importImage } from '../../src/images/import-image.js';
import { LocalImageStore } from '../../src/images/local-image-store.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMounter } from '../../src/os/system-mounter.js';
import { createOciRuntime } from '../../src/runtime/create-oci-runtime.js';
import type { CliOciRuntime } from '../../src/runtime/crun-runtime.js';
import { LocalSnapshotter } from '../../src/snapshots/local-snapshotter.js';
import { OverlayRootfsManager } from '../../src/snapshots/overlay-rootfs.js';
import { runCommand } from '../../src/util/run-command.js';
import { makeBusyboxRootfs } from '../runtime-harness.js';

/** A busybox root filesystem as a tar (the runtime harness's layout: users app and nobody, a non-executable file). */
async function busyboxTar(work: string): Promise<string> {
  const dir = path.join(work, 'busybox-rootfs');
  await makeBusyboxRootfs(dir);
  const tar = path.join(work, 'busybox.tar');
  await runCommand('tar', ['--numeric-owner', '-C', dir, '-cf', tar, '.']);
  await rm(dir, { recursive: true, force: true });
  return tar;
}

/**
 * A private engine for container tests: its own root on tmpfs, engine name (so runtime state,
 * cgroups and records never meet another test's), a busybox image, the real crun, overlayfs
 * and cgroups. `leftovers` lists anything the engine would have leaked.
 */
export class ContainerEngineFixture {
  readonly engineName: string;
  readonly mounter = new SystemMounter();
  readonly events = new EventBus();
  base = '';
  deps!: ContainerServiceDeps;
  service!: LocalContainerService;
  runtime!: CliOciRuntime;
  images!: LocalImageStore;
  content!: LocalContentStore;

  network: LinuxNetworkManager | undefined;

  /** With `existing`, attaches to another fixture's dirs and engine name (a restarted engine, a child process). */
  constructor(existing?: { base: string; engineName: string }) {
    this.engineName = existing?.engineName ?? `ct-${randomBytes(4).toString('hex')}`;
    if (existing) this.base = existing.base;
  }

  /** `network`: with a real LinuxNetworkManager (bridges, veths, port proxies) of this engine's own. */
  async setup(options: { network?: boolean } = {}): Promise<void> {
    this.base ||= await mkdtemp('/dev/shm/skiff-ct-');
    const root = path.join(this.base, 'root');
    const scratchDir = path.join(this.base, 'scratch');
    const config = loadEngineConfig(
      {},
      {
        root,
        stateDir: path.join(root, 'engines', this.engineName),
        scratchDir,
        engineName: this.engineName,
      },
    );
    const logger = silentLogger();
    const snapshotter = await new LocalSnapshotter(path.join(root, 'snapshots')).init();
    this.images = await new LocalImageStore(path.join(root, 'images')).init();
    this.content = await new LocalContentStore(path.join(root, 'content')).init();
    if (!(await this.images.find('busybox'))) {
      const tar = await busyboxTar(this.base);
      await importImage(
        { store: this.images, content: this.content, snapshotter, logger },
        createReadStream(tar),
        { ref: 'busybox:latest', changes: ['CMD ["sh"]'] },
      );
      await rm(tar);
    }
    this.runtime = await createOciRuntime({ name: 'crun', scratchDir, logger });
    this.deps = {
      config,
      logger,
      imageStore: this.images,
      snapshotter,
      rootfs: new OverlayRootfsManager({ scratchDir, snapshotter, mounter: this.mounter, logger }),
      runtime: this.runtime,
      events: this.events,
      content: this.content,
    };
    if (options.network) {
      this.network = new LinuxNetworkManager({ stateDir: path.join(config.stateDir, 'net'), logger });
      await this.network.init();
      this.deps.network = this.network;
    }
    this.service = await createContainerService(this.deps);
  }

  /** A second service on the same state (an engine restart). */
  async restart(): Promise<LocalContainerService> {
    this.service = await createContainerService(this.deps);
    return this.service;
  }

  /** `/sys/fs/cgroup/<every hierarchy>/skiff/<engine>`. */
  cgroupParents(): string[] {
    return cgroupParents(this.engineName);
  }

  /** Runtime state, mounts, cgroups and scratch directories the engine left behind. */
  async leftovers(): Promise<string[]> {
    const left = await engineLeftovers(this);
    const containers = path.join(this.base, 'scratch', 'containers');
    for (const e of await readdir(containers).catch(() => [])) left.push(`scratch ${containers}/${e}`);
    return left;
  }

  async teardown(): Promise<void> {
    if (!this.base) return;
    await this.service?.close().catch(() => {});
    await this.network?.destroy().catch(() => {});
    await removeEngineLeftovers(this);
    await rm(this.base, { recursive: true, force: true });
  }
}

export async function text(
  iterable: AsyncIterable<{ stream: string; data: Buffer }>,
  stream?: string,
): Promise<string> {
  let out = '';
  for await (const c of iterable) if (!stream || c.stream === stream) out += c.data.toString('utf8');
  return out;
}
