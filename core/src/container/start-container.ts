import path from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_STARTUP_TIMEOUT_MS, Label } from '../constants.js';
import {
  createContainer,
  followLogs,
  inspectContainer,
  listContainers,
  putArchive,
  removeContainer,
  startContainer,
} from '../engine/containers-api.js';
import { demuxToText } from '../engine/demux-stream.js';
import type { WireContainerInspect, WireImageInspect } from '../engine/wire-types.js';
import { EngineApiError } from '../errors.js';
import { forwardHostPorts, hostAliasEntries } from '../host/host-access.js';
import { ensureImage } from '../images/ensure-image.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { Deadline } from '../util/deadline.js';
import { withFileLock } from '../util/file-lock.js';
import { defaultWaitStrategy } from '../wait/default-wait-strategy.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';
import { BoundPorts } from './bound-ports.js';
import type { ContainerRequest } from './container-request.js';
import { buildCopyArchive } from './copy-archive.js';
import { containerHash, toCreateBody } from './create-body.js';
import { collectFailure, startFailureError } from './failure-report.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { portKey } from './port.js';
import { StartedGenericContainer } from './started-container.js';
import { waitUntilReady } from './wait-until-ready.js';

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** Session labels, or only the "managed by skiff" ones for containers that outlive the session. */
function labelsFor(runtime: SkiffRuntime, request: ContainerRequest): Record<string, string> {
  if (!request.reuse && request.autoCleanup) return { ...runtime.session.labels };
  const {
    [Label.Session]: _s,
    [Label.SessionPid]: _p,
    [Label.SessionHost]: _h,
    ...rest
  } = runtime.session.labels;
  return rest;
}

/**
 * `GenericContainer.start()`: image, create, copy, start, port bindings, wait — all inside one
 * startup deadline. On failure the error explains itself (strategy, last observation, exit code,
 * OOM, health log, last log lines) and the container is removed unless SKIFF_KEEP_ON_FAILURE=1.
 */
export async function startGenericContainer(
  runtime: SkiffRuntime,
  request: ContainerRequest,
  hooks: LifecycleHooks,
): Promise<StartedGenericContainer> {
  const client = runtime.client;
  const deadline = new Deadline(
    request.startupTimeoutMs ?? request.waitStrategy?.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
    runtime.clock,
  );
  const image = runtime.substituteImage(request.image);
  // Filled in by closures as soon as the engine names the container, so a failure at any later
  // step can report and remove it.
  const created: { id?: string; reused: boolean } = { reused: false };
  let strategy: WaitStrategy | undefined = request.waitStrategy;
  try {
    const pullImage = (signal: AbortSignal) =>
      ensureImage(runtime, image, { policy: request.pullPolicy, platform: request.platform, signal });
    let imageInspect: WireImageInspect = await deadline.race(`pulling ${image}`, pullImage);
    await hooks.beforeContainerCreated?.();

    const copyArchive = await buildCopyArchive({
      files: request.filesToCopy,
      directories: request.directoriesToCopy,
      contents: request.contentsToCopy,
    });
    const archives = await Promise.all(
      request.archivesToCopy.map(async (a) => ({ target: a.target, tar: await readStream(a.tar) })),
    );
    const body = toCreateBody(request, {
      image,
      publishHostIp: runtime.publishHostIp,
      defaultNetwork: runtime.defaultNetwork,
      sessionLabels: labelsFor(runtime, request),
      extraHosts: await hostAliasEntries(runtime, request.networkMode ?? runtime.defaultNetwork),
    });

    let startedAt = new Date(0);
    const createAndStart = async (signal: AbortSignal) => {
      const create = () =>
        createContainer(client, body, { name: request.name, platform: request.platform, signal });
      let id: string;
      try {
        id = await create();
        created.id = id;
      } catch (err) {
        // The image went away since this process last saw it (the cache is per process): pull again.
        if (!(err instanceof EngineApiError && err.statusCode === 404 && /image/i.test(err.engineMessage)))
          throw err;
        runtime.imageCache.delete(image);
        imageInspect = await pullImage(signal);
        id = await create();
        created.id = id;
      }
      await hooks.containerCreated?.(id);
      if (copyArchive) await putArchive(client, id, '/', copyArchive, request.copyOptions);
      for (const a of archives) await putArchive(client, id, a.target, a.tar, request.copyOptions);
      if (hooks.containerStarting) await hooks.containerStarting(await inspectContainer(client, id), false);
      await startContainer(client, id, signal);
    };

    if (request.reuse) {
      const hash = containerHash(body, { name: request.name, platform: request.platform, copyArchive });
      body.Labels = { ...body.Labels, [Label.ContainerHash]: hash };
      // Lookup and create under one cross-process lock: two workers asking at once get one container.
      await deadline.race('finding or creating the reusable container', (signal) =>
        withFileLock(
          path.join(runtime.lockDir, `reuse-${hash.slice(0, 32)}.lock`),
          async () => {
            const [existing] = await listContainers(
              client,
              {
                label: [`${Label.ContainerHash}=${hash}`],
                status: ['created', 'running', 'paused', 'exited'],
              },
              { all: true, limit: 1 },
            );
            if (!existing) return createAndStart(signal);
            created.id = existing.Id;
            created.reused = true;
            if (existing.State !== 'running') {
              startedAt = new Date(runtime.clock.now() - 1);
              await startContainer(client, existing.Id, signal);
            }
          },
          { signal },
        ),
      );
    } else {
      await deadline.race('creating and starting the container', createAndStart);
    }
    const containerId = created.id;
    if (containerId === undefined) throw new Error('the engine created no container and reported no error');
    const reused = created.reused;

    // Engines may publish ports a moment after start; wait for every binding inside the deadline.
    const declared = request.exposedPorts.map((p) => portKey(p.container, p.protocol));
    let inspect: WireContainerInspect = await inspectContainer(client, containerId);
    let boundPorts = BoundPorts.fromInspect(inspect.NetworkSettings.Ports, declared);
    while (!boundPorts.covers(declared) && inspect.State.Running) {
      deadline.check('waiting for port bindings');
      await runtime.clock.sleep(20);
      inspect = await inspectContainer(client, containerId);
      boundPorts = BoundPorts.fromInspect(inspect.NetworkSettings.Ports, declared);
    }
    await forwardHostPorts(runtime, inspect);
    if (request.logConsumer)
      request.logConsumer(demuxToText(await followLogs(client, containerId, { since: 0 })));

    strategy ??= defaultWaitStrategy(
      request.healthCheck !== undefined,
      imageInspect.Config?.Healthcheck ?? imageInspect.ContainerConfig?.Healthcheck,
    );
    await waitUntilReady(runtime, containerId, strategy, boundPorts, deadline, startedAt);

    const started = new StartedGenericContainer(
      runtime,
      inspect,
      boundPorts,
      request,
      strategy,
      hooks,
      reused,
    );
    await hooks.containerStarted?.(started, inspect, reused);
    return started;
  } catch (err) {
    const id = created.id;
    const keep = runtime.keepOnFailure && id !== undefined;
    const details = await collectFailure(runtime, image, id, strategy, keep);
    if (id && !keep && !created.reused) await removeContainer(client, id).catch(() => undefined);
    if (keep) runtime.logger.warn({ container: id }, details.inspectHint ?? 'kept failed container');
    throw startFailureError(details, err);
  }
}
