import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { engineLeftovers, removeEngineLeftovers, removeRuntimeStates } from '@skiff/testing';
import type { RuntimeName } from '../src/config.js';
import type { ContainerSpec } from '../src/containers/container-spec.js';
import { type Digest, sha256 } from '../src/content/digest.js';
import { silentLogger } from '../src/logger.js';
import { listHostDevices } from '../src/os/host-devices.js';
import { SystemMounter } from '../src/os/system-mounter.js';
import { writeBundle } from '../src/runtime/bundle.js';
import { readBoundingCapabilities } from '../src/runtime/capabilities.js';
import { createOciRuntime } from '../src/runtime/create-oci-runtime.js';
import type { CliOciRuntime } from '../src/runtime/crun-runtime.js';
import { minimalContainerSpec } from '../src/runtime/minimal-container-spec.js';
import type { RuntimeProcess, RuntimeStdio } from '../src/runtime/oci-runtime.js';
import { buildOciSpec, cgroupsPathFor } from '../src/runtime/oci-spec.js';
import type { OciSpec } from '../src/runtime/oci-spec-types.js';
import { resolveUser } from '../src/runtime/user-resolver.js';
import { OverlayRootfsManager } from '../src/snapshots/overlay-rootfs.js';
import type { SnapshotInfo, Snapshotter } from '../src/snapshots/snapshotter.js';

const BUSYBOX = '/usr/bin/busybox';

/** A busybox root filesystem: the static binary, one symlink per applet, users and groups. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/app', 'proc', 'sys', 'dev']) {
    await mkdir(path.join(dir, d), { recursive: true });
  }
  await copyFile(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  const { execFileSync } = await import('node:child_process');
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') await symlink('busybox', path.join(dir, 'bin', applet));
  }
  await writeFile(
    path.join(dir, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  );
  await writeFile(
    path.join(dir, 'etc', 'group'),
    'root:x:0:\nwheel:x:10:root,app\napp:x:1000:\nnogroup:x:65534:\n',
  );
  await writeFile(path.join(dir, 'bin', 'not-executable'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
}

/** One layer snapshot made by hand, standing in for the local snapshotter. */
function oneLayerSnapshotter(root: string, chainId: Digest): Snapshotter {
  const info = (c: Digest): SnapshotInfo => ({ chainId: c, size: 0, createdAt: 0 });
  return {
    root,
    ensure: async (c) => info(c),
    stat: async (c) => (c === chainId ? info(c) : undefined),
    dir: () => path.join(root, 'busybox'),
    lowerName: () => 'busybox',
    list: async () => [info(chainId)],
    remove: async () => {},
  };
}

export interface Started {
  id: string;
  process: RuntimeProcess;
  spec: OciSpec;
}

/**
 * A private little engine for runtime tests: its own scratch dir on tmpfs, runtime state root,
 * cgroup parent and busybox layer. `cleanup` kills and removes whatever a test left, and
 * `leftovers` reports anything that would have leaked.
 */
export class RuntimeHarness {
  readonly engine = `test-${randomBytes(4).toString('hex')}`;
  readonly mounter = new SystemMounter();
  base = '';
  runtime!: CliOciRuntime;
  rootfs!: OverlayRootfsManager;
  private readonly chainId = sha256(`busybox-${this.engine}`);
  readonly initPids = new Set<number>();

  constructor(readonly runtimeName: RuntimeName) {}

  async setup(): Promise<void> {
    this.base = await mkdtemp('/dev/shm/skiff-runtime-test-');
    const snapshots = path.join(this.base, 'snapshots');
    await makeBusyboxRootfs(path.join(snapshots, 'busybox'));
    const scratchDir = path.join(this.base, 'scratch');
    this.runtime = await createOciRuntime({ name: this.runtimeName, scratchDir, logger: silentLogger() });
    this.rootfs = new OverlayRootfsManager({
      scratchDir,
      snapshotter: oneLayerSnapshotter(snapshots, this.chainId),
      mounter: this.mounter,
      logger: silentLogger(),
    });
  }

  newId(): string {
    const id = `${this.engine}-${randomBytes(6).toString('hex')}`;
    return id;
  }

  /** Prepares rootfs and bundle for `overrides` and starts the container in the foreground. */
  async start(overrides: Partial<ContainerSpec>, stdio: Partial<RuntimeStdio> = {}): Promise<Started> {
    const id = this.newId();
    const spec = await this.bundle(id, overrides);
    const process = this.runtime.run(id, this.bundleDir(id), { stdin: false, tty: false, ...stdio });
    return { id, process, spec };
  }

  bundleDir(id: string): string {
    return path.join(this.base, 'scratch', 'containers', id);
  }

  async bundle(id: string, overrides: Partial<ContainerSpec>): Promise<OciSpec> {
    const container = minimalContainerSpec(overrides);
    const rootfs = await this.rootfs.prepare(id, [this.chainId]);
    const spec: OciSpec = buildOciSpec(container, {
      containerId: id,
      rootfsPath: rootfs.mountpoint,
      user: await resolveUser(rootfs.mountpoint, container.user, container.groupAdd),
      etcFiles: {},
      cgroupsPath: cgroupsPathFor(this.engine, id),
      host: {
        arch: process.arch,
        kernel: release(),
        hostname: hostname(),
        boundingCapabilities: await readBoundingCapabilities(),
        ...(container.privileged ? { devices: await listHostDevices() } : {}),
      },
    });
    const prepared = (await this.runtime.prepareSpec?.(spec)) ?? spec;
    await writeBundle(this.bundleDir(id), prepared);
    return prepared;
  }

  /** Polls until the runtime reports the container running; remembers the init pid. */
  async waitRunning(id: string, timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const state = await this.runtime.state(id);
      if (state?.status === 'running' && state.pid > 0) {
        this.initPids.add(state.pid);
        return state.pid;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`container ${id} did not reach running within ${timeoutMs} ms`);
  }

  /** What a test left behind: runtime state, mounts, cgroups of containers, live init processes. */
  async leftovers(): Promise<string[]> {
    const left = await engineLeftovers({ engineName: this.engine, base: this.base, runtime: this.runtime });
    for (const pid of this.initPids) {
      if (await processLingers(pid)) left.push(`process ${pid}`);
    }
    return left;
  }

  async cleanup(): Promise<void> {
    if (!this.runtime) return;
    await removeRuntimeStates(this.runtime);
    await this.rootfs.reconcile(new Set()).catch(() => {});
    await removeEngineLeftovers({ engineName: this.engine, base: this.base, runtime: this.runtime });
    await rm(this.base, { recursive: true, force: true });
  }
}

/** True if `pid` still runs after a short grace period (a zombie awaiting its reaper counts as gone). */
async function processLingers(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return false;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

export async function collect(stream: Readable | null): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
