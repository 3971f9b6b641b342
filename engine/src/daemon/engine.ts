import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { LinuxNetworkManager } from '@skiff/net';
import type { ApiBackends, EngineFacts } from '../api/api-backends.js';
import { createApiRouter } from '../api/api-router.js';
import { ApiServer } from '../api/api-server.js';
import { authRoutes } from '../api/routes/auth-routes.js';
import { buildRoutes } from '../api/routes/build-routes.js';
import { networkRoutes } from '../api/routes/network-routes.js';
import { sessionRoutes } from '../api/routes/session-routes.js';
import { createBuildParts } from '../builder/executor/build-parts.js';
import type { EngineConfig } from '../config.js';
import { createContainerService } from '../containers/local-container-service.js';
import type { Digest } from '../content/digest.js';
import { LocalContentStore } from '../content/local-content-store.js';
import { EventBus } from '../events/event-bus.js';
import { applyConfigChanges } from '../images/config-changes.js';
import type { Logger } from '../logger.js';
import { NetworkService } from '../networks/network-service.js';
import { createProcessSpawner } from '../os/create-process-spawner.js';
import { spawnerCommandLauncher } from '../os/spawner-command-launcher.js';
import { SystemMounter } from '../os/system-mounter.js';
import { prepareCgroupsForCrun } from '../runtime/cgroup-layout.js';
import { createOciRuntime } from '../runtime/create-oci-runtime.js';
import { gatherHostFacts } from '../runtime/host-facts.js';
import { systemHostOps } from '../runtime/host-ops.js';
import { selectRuntime } from '../runtime/runtime-selector.js';
import { LocalSnapshotter } from '../snapshots/local-snapshotter.js';
import { OverlayRootfsManager } from '../snapshots/overlay-rootfs.js';
import { LocalVolumeStore } from '../volumes/local-volume-store.js';
import { lockSocket } from './engine-lock.js';
import { createImageParts } from './image-parts.js';
import { PidFile } from './pid-file.js';
import { sessionReaper } from './session-reaper.js';
import { SessionRegistry } from './session-registry.js';

export interface RunningEngine {
  readonly config: EngineConfig;
  readonly api: ApiServer;
  /** Stops accepting requests, stops the containers, releases the socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: every part of the engine is built here, once, and handed to the parts
 * that use it — no module-level singletons. Order matters:
 * 1. the socket lock (one engine per socket; fails fast before touching any state);
 * 2. host preparation (the hybrid-cgroup hugetlb fix crun needs);
 * 3. stores (content, snapshots, images, volumes), the runtime chosen by a trial container,
 *    rootfs manager and networks (whose init removes what a crashed engine left);
 * 4. the container service, whose init recovers the previous run's containers;
 * 5. the API on the socket, then the pid file.
 *
 * Shutdown stops the containers (an `ephemeral` engine removes them and its networks): the supervisor keeps `crun run` attached as the engine's child
 * (that is how exit codes are known) and owns the stdio pipes, so a container cannot outlive the
 * engine with its logs and exit status intact. A container left by a killed engine is found and
 * cleaned by the next start's recovery instead.
 */
/** SKIFF_EXIT_WHEN_IDLE: how long an engine waits for its first session before exiting. */
export const IDLE_START_MS = 60_000;

export interface StartEngineOptions {
  /** Called when an engine with `exitWhenIdle` has no session left (or got none): stop it then. */
  onIdle?: () => void;
  /**
   * An engine for one test run or benchmark: shutdown removes every container and destroys the
   * engine's networks (default bridge included), leaving nothing behind for its engine name.
   */
  ephemeral?: boolean;
}

export async function startEngine(
  config: EngineConfig,
  logger: Logger,
  options: StartEngineOptions = {},
): Promise<RunningEngine> {
  const log = logger.child({ component: 'engine' });
  const socketLock = await lockSocket(config.socketPath);
  const cleanups: (() => Promise<unknown>)[] = [() => socketLock.release()];
  const unwind = async () => {
    for (const fn of cleanups.reverse())
      await fn().catch((err: unknown) => log.warn({ err }, 'cleanup failed'));
  };
  try {
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    await mkdir(config.scratchDir, { recursive: true, mode: 0o700 });
    const hostOps = systemHostOps();
    const prepared = await prepareCgroupsForCrun(hostOps);
    log.info({ changed: prepared.changed }, prepared.detail);

    const content = await new LocalContentStore(path.join(config.root, 'content')).init();
    const snapshotter = await new LocalSnapshotter(path.join(config.root, 'snapshots')).init();
    const events = new EventBus();
    const imageParts = await createImageParts({ config, logger, content, snapshotter, events });
    const { imageStore, images } = imageParts;
    cleanups.push(() => imageParts.registry.close());
    const volumes = new LocalVolumeStore({ dir: path.join(config.root, 'volumes'), logger });

    const host = await gatherHostFacts();
    const choice = await selectRuntime({
      preferred: config.runtime,
      scratchDir: config.scratchDir,
      engineName: config.engineName,
      host,
      logger,
      create: (name) => createOciRuntime({ name, scratchDir: config.scratchDir, logger }),
    });
    log.info({ runtime: choice.runtime.name, version: choice.runtime.version }, `runtime: ${choice.reason}`);

    const mounter = new SystemMounter();
    const rootfs = new OverlayRootfsManager({ scratchDir: config.scratchDir, snapshotter, mounter, logger });
    // `ip`/`iptables` through the native spawner: forking the whole engine per call blocks it for ms.
    const processes = createProcessSpawner();
    if (processes.fallbackReason) {
      log.warn(
        { reason: processes.fallbackReason },
        'native addon unavailable: the engine spawns host tools the slow way',
      );
    }
    const network = new LinuxNetworkManager({
      stateDir: path.join(config.stateDir, 'net'),
      logger,
      outboundNat: config.outboundNat,
      publishOnBridgeGateway: config.publishOnBridgeGateway,
      launchCommand: spawnerCommandLauncher(processes.spawner),
    });
    await network.init();
    // A per-run engine (ephemeral, or exiting when idle) leaves no bridge holding a subnet.
    const perRun = options.ephemeral || config.exitWhenIdle;
    cleanups.push(() => (perRun ? network.destroy() : network.close()));

    const containers = await createContainerService({
      config,
      logger,
      imageStore,
      snapshotter,
      rootfs,
      runtime: choice.runtime,
      events,
      network,
      volumes,
      content,
      applyConfigChanges,
    });
    cleanups.push(async () => {
      if (options.ephemeral) {
        for (const c of await containers.list({ all: true, filters: {} })) {
          await containers.remove(c.id, { force: true, removeVolumes: true }).catch((err: unknown) => {
            log.warn({ err, containerId: c.id }, 'cannot remove the container of an ephemeral engine');
          });
        }
      }
      await containers.close();
    });
    imageParts.bindUsage({
      isImageInUse: async (id) =>
        (await containers.list({ all: true, filters: {} })).some((c) => c.spec.imageId === id),
      chainsInUse: async () => {
        // Snapshots mounted by running build steps count too (`build` exists by the time GC runs).
        const chains: Digest[] = [...build.builder.chainsInUse()];
        for (const c of await containers.list({ all: true, filters: {} })) {
          chains.push(...((await rootfs.get(c.id))?.chain ?? []));
        }
        return chains;
      },
    });

    const facts: EngineFacts = {
      engineName: config.engineName,
      rootDir: config.root,
      runtime: {
        name: choice.runtime.name,
        version: choice.runtime.version,
        path: choice.runtime.name,
        reason: choice.reason,
      },
      runtimes: Object.fromEntries(
        Object.entries(choice.trials)
          .filter(([, t]) => t?.ok)
          .map(([name]) => [name, { path: name }]),
      ),
      cgroupVersion: (await hostOps.exists('/sys/fs/cgroup/cgroup.controllers')) ? '2' : '1',
      pid: process.pid,
      startedAt: new Date(),
      scratchDir: config.scratchDir,
      socketPath: config.socketPath,
      registry: {
        mirrors: imageParts.registry.registryMirrors,
        insecureRegistries: imageParts.registry.insecureRegistries,
      },
    };
    const build = await createBuildParts({
      config,
      logger,
      content,
      snapshotter,
      store: imageStore,
      images,
      runtime: choice.runtime,
      mounter,
      network,
      host,
    });
    const idle = () => {
      if (!config.exitWhenIdle) return;
      log.info('no session left: exiting (SKIFF_EXIT_WHEN_IDLE)');
      options.onIdle?.();
    };
    const sessions = new SessionRegistry({
      reap: sessionReaper({ containers, network, volumes, images, logger }),
      defaultGraceMs: config.sessionGraceMs,
      logger,
      onIdle: idle,
    });
    const networks = new NetworkService({ manager: network, containers, events, logger });
    const backends: ApiBackends = { containers, images, events, volumes, facts };
    const api = new ApiServer({
      router: createApiRouter(backends, [
        buildRoutes(build),
        sessionRoutes(sessions),
        authRoutes(imageParts.registry),
        networkRoutes(networks),
      ]),
      logger,
    });
    await api.listen(config.socketPath);
    cleanups.push(async () => {
      await api.close();
      await rm(config.socketPath, { force: true });
    });
    // Runs before the API closes (cleanups unwind in reverse): held keepalives end cleanly.
    cleanups.push(() => sessions.close());
    if (config.exitWhenIdle) {
      // A per-run engine whose test run died before connecting must not live forever.
      const unused = setTimeout(() => {
        if (sessions.size === 0) idle();
      }, IDLE_START_MS);
      unused.unref();
      cleanups.push(async () => clearTimeout(unused));
    }
    const pidFile = new PidFile(path.join(config.stateDir, 'skiffd.pid'));
    await pidFile.write();
    cleanups.push(() => pidFile.remove());
    events.publish('daemon', 'start', config.engineName, { name: config.engineName });
    log.info({ socket: config.socketPath, root: config.root, state: config.stateDir }, 'engine ready');

    let closing: Promise<void> | undefined;
    return {
      config,
      api,
      close: () => {
        closing ??= unwind();
        return closing;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
