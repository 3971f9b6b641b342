import type { ContainerSummaryWire } from '../api/wire/container-wire.js';
import { ConflictError } from '../errors.js';
import type { ProgressMessage } from '../images/image-service.js';
import { ComposeLabel } from './compose-labels.js';
import type { EnvironmentPlan, PlannedService } from './compose-planner.js';
import { connectionUrl } from './connection-url.js';
import type { EnvironmentEngine } from './environment-engine.js';
import { checkPublishedPorts, hostPortProbe, type PortProbe } from './port-availability.js';
import { portKey } from './service-create-request.js';
import { type Readiness, waitUntil } from './service-readiness.js';

export type UpEvent =
  | { kind: 'warning'; message: string }
  | { kind: 'image'; service: string; image: string; action: 'pulling' | 'pulled' | 'building' | 'built' }
  | { kind: 'progress'; service: string; message: ProgressMessage }
  | { kind: 'network' | 'volume'; name: string; action: 'created' | 'exists' }
  | {
      kind: 'container';
      service: string;
      name: string;
      action: 'created' | 'recreated' | 'started' | 'running' | 'waiting' | 'healthy' | 'completed';
      detail?: string;
    };

export interface UpOptions {
  engine: EnvironmentEngine;
  plan: EnvironmentPlan;
  /** `--build`: build services with `build:` even when their image exists. */
  build?: boolean;
  /** `--wait`: return once every service is healthy (with a healthcheck) or running. */
  wait?: boolean;
  /** Aborting (Ctrl-C during `up`) stops the waits and removes what this run created. */
  signal?: AbortSignal;
  pollMs?: number;
  probe?: PortProbe;
  report?: (event: UpEvent) => void;
  /** Called once a service's container runs (foreground `up` attaches to its log here). */
  onStarted?: (service: string, containerId: string, tty: boolean) => void;
}

export interface ServiceEndpointInfo {
  target: number;
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  url: string;
}

export interface StartedService {
  service: string;
  containerId: string;
  containerName: string;
  endpoints: ServiceEndpointInfo[];
}

interface Created {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * `skiff up`: checks what can be checked before anything exists (container names, networks,
 * external resources, published ports), gets the images (pull or build), creates the networks
 * and volumes, then starts each service as soon as what it depends on is ready — independent
 * services in parallel — and with `wait` returns only once everything is healthy or running.
 * An existing container of the environment whose configuration is unchanged is kept.
 *
 * On any failure, or when `signal` aborts, everything this run created is removed before the
 * error is thrown: a failed `up` leaves nothing running.
 */
export async function upEnvironment(options: UpOptions): Promise<StartedService[]> {
  const { engine, plan } = options;
  const report = options.report ?? (() => {});
  const project = plan.project.name;
  const existing = await engine.listContainers([`${ComposeLabel.Project}=${project}`], true);
  const existingByService = new Map(existing.map((c) => [c.Labels[ComposeLabel.Service] ?? '', c]));
  await preflight(options, existing);

  const imageIds = await prepareImages(options);
  const created: Created = { containers: [], networks: [], volumes: [] };
  const aborter = new AbortController();
  const onOuterAbort = () => aborter.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = aborter.signal;
  try {
    await createNetworksAndVolumes(options, created, signal);
    const started = new Map<string, Promise<string>>();
    const ready = new Map<string, Promise<void>>();
    const wait = { pollMs: options.pollMs ?? 200, signal };

    const reach = (name: string, readiness: Readiness): Promise<void> => {
      const key = `${name}\u0000${readiness}`;
      // `--wait` after a dependant already waited for health: the same wait.
      let p =
        ready.get(key) ?? (readiness === 'ready' ? ready.get(`${name}\u0000service_healthy`) : undefined);
      if (!p) {
        p = (async () => {
          const id = await start(name);
          if (readiness === 'service_started') return;
          const service = plan.services[name] as PlannedService;
          report({
            kind: 'container',
            service: name,
            name: service.containerName,
            action: 'waiting',
            detail: readiness,
          });
          const reached = await waitUntil(engine, name, id, readiness, wait);
          if (reached !== 'started')
            report({ kind: 'container', service: name, name: service.containerName, action: reached });
        })();
        ready.set(key, p);
      }
      return p;
    };

    const start = (name: string): Promise<string> => {
      let p = started.get(name);
      if (!p) {
        p = (async () => {
          const service = plan.services[name] as PlannedService;
          await Promise.all(Object.entries(service.dependsOn).map(([dep, d]) => reach(dep, d.condition)));
          signal.throwIfAborted();
          return startService(options, service, existingByService.get(name), imageIds.get(name), created);
        })();
        started.set(name, p);
      }
      return p;
    };

    const names = plan.waves.flat();
    await settleAll(names.map(start), aborter);
    if (options.wait)
      await settleAll(
        names.map((n) => reach(n, 'ready')),
        aborter,
      );

    const orphans = existing.filter(
      (c) => !((c.Labels[ComposeLabel.Service] ?? '') in plan.project.services),
    );
    if (orphans.length > 0) {
      report({
        kind: 'warning',
        message: `containers of services no longer in the file are still there (${orphans.map((c) => c.Names[0]?.slice(1)).join(', ')}); skiff down removes them`,
      });
    }
    return await Promise.all(
      names.map(async (n) => describeService(engine, plan.services[n] as PlannedService, await start(n))),
    );
  } catch (err: unknown) {
    aborter.abort(err);
    await rollback(engine, created, report);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** Waits for all; on the first failure aborts the others (their waits end) and throws that failure. */
async function settleAll(work: Promise<unknown>[], aborter: AbortController): Promise<void> {
  let first: { err: unknown } | undefined;
  await Promise.all(
    work.map((p) =>
      p.catch((err: unknown) => {
        if (!first) {
          first = { err };
          aborter.abort(err);
        }
      }),
    ),
  );
  if (first) throw first.err;
}

async function preflight(options: UpOptions, existing: ContainerSummaryWire[]): Promise<void> {
  const { engine, plan } = options;
  const project = plan.project.name;
  const problems: string[] = [];
  for (const service of Object.values(plan.services)) {
    const other = await engine.inspectContainer(service.containerName);
    if (other && other.Config.Labels?.[ComposeLabel.Project] !== project) {
      problems.push(
        `the container name "${service.containerName}" (service "${service.name}") is taken by a container that is not part of environment "${project}"; remove it or set another container_name`,
      );
    }
  }
  for (const n of plan.networks) {
    const found = await engine.inspectNetwork(n.name);
    if (n.external && !found) {
      problems.push(
        `the external network "${n.name}" does not exist; create it first (skiff network create ${n.name})`,
      );
    } else if (!n.external && found && found.labels[ComposeLabel.Project] !== project) {
      problems.push(
        `a network named "${n.name}" exists but is not part of environment "${project}"; remove it, or declare it with external: true`,
      );
    }
  }
  for (const v of plan.volumes) {
    const found = await engine.inspectVolume(v.name);
    if (v.external && !found) {
      problems.push(
        `the external volume "${v.name}" does not exist; create it first (skiff volume create ${v.name})`,
      );
    } else if (!v.external && found && found.labels[ComposeLabel.Project] !== project) {
      options.report?.({
        kind: 'warning',
        message: `volume "${v.name}" already exists and was not created by this environment; it is used as it is`,
      });
    }
  }
  if (problems.length > 0) throw new ConflictError(`${problems.join('\n')}\nNothing was started.`);

  const ownPorts = new Set(
    existing.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => `${p.PublicPort}/${p.Type}`)),
  );
  const ports = Object.values(plan.services).flatMap((s) =>
    s.config.ports.map((p) => ({ ...p, service: s.name })),
  );
  if (ports.some((p) => p.published !== 0)) {
    const all = await engine.listContainers([], true);
    await checkPublishedPorts(ports, options.probe ?? hostPortProbe, ownPorts, all);
  }
}

/** Pulls or builds every image the run needs, before anything is created. Returns service → image id. */
async function prepareImages(options: UpOptions): Promise<Map<string, string>> {
  const { engine, plan } = options;
  const report = options.report ?? (() => {});
  const ids = new Map<string, string>();
  const services = Object.values(plan.services);
  for (const s of services.filter((x) => x.build)) {
    const build = s.build;
    if (!build) continue;
    const present = await engine.imageId(s.image);
    if (present && !options.build && s.pullPolicy !== 'build' && s.pullPolicy !== 'always') {
      ids.set(s.name, present);
      continue;
    }
    report({ kind: 'image', service: s.name, image: s.image, action: 'building' });
    const request = { ...build, tag: build.tag };
    const id = await engine.buildImage(request, (message) =>
      report({ kind: 'progress', service: s.name, message }),
    );
    ids.set(s.name, id);
    report({ kind: 'image', service: s.name, image: s.image, action: 'built' });
  }
  const pulls = new Map<string, Promise<string>>();
  await Promise.all(
    services
      .filter((s) => !s.build)
      .map(async (s) => {
        let p = pulls.get(s.image);
        if (!p) {
          p = (async () => {
            const present = await engine.imageId(s.image);
            if (present && s.pullPolicy !== 'always') return present;
            if (!present && s.pullPolicy === 'never') {
              throw new ConflictError(
                `service "${s.name}": the image ${s.image} is not on this engine and pull_policy is never; pull it first`,
              );
            }
            report({ kind: 'image', service: s.name, image: s.image, action: 'pulling' });
            await engine.pullImage(
              s.image,
              (message) => report({ kind: 'progress', service: s.name, message }),
              s.config.platform,
            );
            report({ kind: 'image', service: s.name, image: s.image, action: 'pulled' });
            return (await engine.imageId(s.image)) ?? '';
          })();
          pulls.set(s.image, p);
        }
        ids.set(s.name, await p);
      }),
  );
  return ids;
}

async function createNetworksAndVolumes(
  options: UpOptions,
  created: Created,
  signal: AbortSignal,
): Promise<void> {
  const { engine, plan } = options;
  const report = options.report ?? (() => {});
  for (const n of plan.networks) {
    signal.throwIfAborted();
    if (n.external || (await engine.inspectNetwork(n.name))) {
      report({ kind: 'network', name: n.name, action: 'exists' });
      continue;
    }
    const body: { Name: string; Labels: Record<string, string>; Internal?: boolean } = {
      Name: n.name,
      Labels: n.labels,
    };
    if (n.internal) body.Internal = true;
    created.networks.push(await engine.createNetwork(body));
    report({ kind: 'network', name: n.name, action: 'created' });
  }
  for (const v of plan.volumes) {
    signal.throwIfAborted();
    if (v.external || (await engine.inspectVolume(v.name))) {
      report({ kind: 'volume', name: v.name, action: 'exists' });
      continue;
    }
    await engine.createVolume({ Name: v.name, Labels: v.labels });
    created.volumes.push(v.name);
    report({ kind: 'volume', name: v.name, action: 'created' });
  }
}

async function startService(
  options: UpOptions,
  service: PlannedService,
  existing: ContainerSummaryWire | undefined,
  imageId: string | undefined,
  created: Created,
): Promise<string> {
  const { engine } = options;
  const report = options.report ?? (() => {});
  const event = (action: Extract<UpEvent, { kind: 'container' }>['action']) =>
    report({ kind: 'container', service: service.name, name: service.containerName, action });
  let id: string;
  if (
    existing &&
    existing.Labels[ComposeLabel.ConfigHash] === service.configHash &&
    (!imageId || existing.ImageID === imageId)
  ) {
    id = existing.Id;
    if (existing.State === 'running') {
      event('running');
      options.onStarted?.(service.name, id, service.create.Tty === true);
      return id;
    }
  } else {
    if (existing) await engine.removeContainer(existing.Id, { force: true, volumes: true });
    id = await engine.createContainer(service.containerName, service.create);
    created.containers.push(id);
    event(existing ? 'recreated' : 'created');
  }
  await engine.startContainer(id);
  event('started');
  options.onStarted?.(service.name, id, service.create.Tty === true);
  return id;
}

async function describeService(
  engine: EnvironmentEngine,
  service: PlannedService,
  id: string,
): Promise<StartedService> {
  const info = await engine.inspectContainer(id);
  const bound = info?.NetworkSettings.Ports ?? {};
  const endpoints: ServiceEndpointInfo[] = [];
  for (const port of service.config.ports) {
    const bindings = bound[portKey(port.target, port.protocol)] ?? [];
    const match =
      bindings.find(
        (b) => b.HostIp === port.hostIp && (port.published === 0 || b.HostPort === String(port.published)),
      ) ?? bindings[0];
    const hostPort = Number(match?.HostPort ?? port.published);
    if (!hostPort) continue;
    endpoints.push({
      target: port.target,
      protocol: port.protocol,
      hostIp: port.hostIp,
      hostPort,
      url: connectionUrl({
        service: service.name,
        image: service.image,
        environment: service.config.environment,
        port,
        hostPort,
      }),
    });
  }
  return { service: service.name, containerId: id, containerName: service.containerName, endpoints };
}

/** Removes what a failed `up` created, newest first; failures here are reported, not thrown. */
async function rollback(
  engine: EnvironmentEngine,
  created: Created,
  report: (e: UpEvent) => void,
): Promise<void> {
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err: unknown) {
      report({
        kind: 'warning',
        message: `could not remove ${what}: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  };
  await Promise.all(
    created.containers.map((id) =>
      attempt(`container ${id.slice(0, 12)}`, () =>
        engine.removeContainer(id, { force: true, volumes: true }),
      ),
    ),
  );
  for (const id of created.networks.reverse())
    await attempt(`network ${id.slice(0, 12)}`, () => engine.removeNetwork(id));
  for (const name of created.volumes.reverse())
    await attempt(`volume ${name}`, () => engine.removeVolume(name));
}
