import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadEngineConfig } from '../../src/config.js';
import type { ContainerServiceDeps } from '../../src/containers/container-context.js';
import {
  createContainerService,
  type LocalContainerService,
} from '../../src/containers/local-container-service.js';
import { type Digest, sha256 } from '../../src/content/digest.js';
import { NotFoundError } from '../../src/errors.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { ImageRecord } from '../../src/images/image-record.js';
import type { ImageStore } from '../../src/images/image-store.js';
import { silentLogger } from '../../src/logger.js';
import { SystemMounter } from '../../src/os/system-mounter.js';
import { createOciRuntime } from '../../src/runtime/create-oci-runtime.js';
import type { CliOciRuntime } from '../../src/runtime/crun-runtime.js';
import { OverlayRootfsManager } from '../../src/snapshots/overlay-rootfs.js';
import type { SnapshotInfo, Snapshotter } from '../../src/snapshots/snapshotter.js';
import { makeBusyboxRootfs } from '../runtime-harness.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Snapshot dirs under `root/<hex>`, standing in for the local snapshotter until it lands. */
function dirSnapshotter(root: string): Snapshotter {
  const known = new Set<Digest>();
  const name = (c: Digest) => c.slice(7, 19);
  const info = (chainId: Digest): SnapshotInfo => ({ chainId, size: 0, createdAt: 0 });
  return {
    root,
    ensure: async (chainId, fill) => {
      if (!known.has(chainId)) await fill(path.join(root, name(chainId)));
      known.add(chainId);
      return info(chainId);
    },
    stat: async (c) => (known.has(c) ? info(c) : undefined),
    dir: (c) => path.join(root, name(c)),
    lowerName: name,
    list: async () => [...known].map(info),
    remove: async (c) => {
      known.delete(c);
    },
  };
}

/** An in-memory image store, standing in for the local one until it lands. */
function memoryImageStore(): ImageStore & { images: ImageRecord[] } {
  const images: ImageRecord[] = [];
  const find = async (ref: string) =>
    images.find(
      (i) =>
        i.id === ref ||
        i.id.slice(7).startsWith(ref) ||
        i.repoTags.some(
          (t) => t === ref || t === `${ref}:latest` || t.endsWith(`/${ref}`) || t.endsWith(`/${ref}:latest`),
        ),
    );
  return {
    images,
    find,
    get: async (ref) => {
      const image = await find(ref);
      if (!image) throw new NotFoundError('image', ref);
      return image;
    },
    list: async () => images,
    put: async (input) => {
      const record: ImageRecord = {
        id: input.configDigest,
        config: input.config,
        layers: input.layers,
        repoTags: input.tags ?? [],
        repoDigests: [],
        ...(input.parent ? { parent: input.parent } : {}),
        addedAt: Date.now(),
        size: input.layers.reduce((s, l) => s + l.size, 0),
      };
      images.push(record);
      return record;
    },
    tag: async () => {},
    untag: async () => undefined,
    addRepoDigest: async () => {},
    remove: async () => [],
  };
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
  images = memoryImageStore();

  /** With `existing`, attaches to another fixture's dirs and engine name (a restarted engine, a child process). */
  constructor(existing?: { base: string; engineName: string }) {
    this.engineName = existing?.engineName ?? `ct-${randomBytes(4).toString('hex')}`;
    if (existing) this.base = existing.base;
  }

  async setup(): Promise<void> {
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
    const snapshotter = dirSnapshotter(path.join(root, 'snapshots'));
    const diffId = sha256(`busybox-${this.engineName}`);
    await snapshotter.ensure(diffId, async (dir) => {
      if (!(await stat(dir).catch(() => undefined))) await makeBusyboxRootfs(dir);
    });
    await this.images.put({
      configDigest: sha256(`config-${this.engineName}`),
      config: {
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
        rootfs: { type: 'layers', diff_ids: [diffId] },
        history: [{ created_by: 'busybox' }],
      },
      layers: [{ diffId, chainId: diffId, size: 0 }],
      tags: ['docker.io/library/busybox:latest'],
    });
    this.runtime = await createOciRuntime({ name: 'crun', scratchDir, logger });
    this.deps = {
      config,
      logger,
      imageStore: this.images,
      snapshotter,
      rootfs: new OverlayRootfsManager({ scratchDir, snapshotter, mounter: this.mounter, logger }),
      runtime: this.runtime,
      events: this.events,
    };
    this.service = await createContainerService(this.deps);
  }

  /** A second service on the same state (an engine restart). */
  async restart(): Promise<LocalContainerService> {
    this.service = await createContainerService(this.deps);
    return this.service;
  }

  cgroupParents(): string[] {
    return [
      'memory',
      'pids',
      'cpu',
      'cpuacct',
      'devices',
      'freezer',
      'blkio',
      'unified',
      'hugetlb',
      'systemd',
    ].map((c) => path.join(CGROUP_ROOT, c, 'skiff', this.engineName));
  }

  /** Runtime state, mounts and cgroups the engine left behind. */
  async leftovers(): Promise<string[]> {
    const left: string[] = [];
    for (const s of await this.runtime.list()) left.push(`runtime state ${s.id} (${s.status})`);
    for (const m of await this.mounter.list(this.base)) left.push(`mount ${m.mountPoint}`);
    for (const parent of this.cgroupParents()) {
      for (const e of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory()) left.push(`cgroup ${parent}/${e.name}`);
      }
    }
    const containers = path.join(this.base, 'scratch', 'containers');
    for (const e of await readdir(containers).catch(() => [])) left.push(`scratch ${containers}/${e}`);
    return left;
  }

  async teardown(): Promise<void> {
    if (!this.base) return;
    await this.service?.close().catch(() => {});
    for (const s of await this.runtime.list().catch(() => [])) {
      await this.runtime.kill(s.id, 'SIGKILL', { all: true }).catch(() => {});
      await this.runtime.delete(s.id, { force: true }).catch(() => {});
    }
    for (const m of (await this.mounter.list(this.base)).reverse()) {
      await this.mounter.unmount(m.mountPoint, { detach: true }).catch(() => {});
    }
    for (const parent of this.cgroupParents()) {
      for (const e of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory()) await rmdir(path.join(parent, e.name, 'c')).catch(() => {});
        if (e.isDirectory()) await rmdir(path.join(parent, e.name)).catch(() => {});
      }
      await rmdir(parent).catch(() => {});
    }
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
