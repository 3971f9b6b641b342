import { createHash } from 'node:crypto';
import type { ContainerCreateBody } from '../api/wire/container-wire.js';
import { ComposeFileError } from './compose-errors.js';
import { ComposeLabel } from './compose-labels.js';
import type { BuildConfig, ComposeProject, ServiceConfig, ServiceDependency } from './compose-model.js';
import { suggestKey } from './compose-schema.js';
import { dependencyWaves } from './dependency-graph.js';
import { serviceCreateRequest } from './service-create-request.js';

export interface PlanOptions {
  /** `SERVICE…` arguments: these and what they depend on; empty means every active service. */
  services?: readonly string[];
  /** Active profiles (`--profile`, `COMPOSE_PROFILES`). */
  profiles?: readonly string[];
  /** The engine session the environment belongs to (foreground `up`, `--ttl`). */
  session?: { id: string; expiresAt?: Date };
}

export interface PlannedResource {
  /** The key in the compose file. */
  key: string;
  /** The engine's name for it. */
  name: string;
  external: boolean;
  labels: Record<string, string>;
  internal?: boolean;
}

export type PlannedBuild = Omit<BuildConfig, 'labels'> & { labels: Record<string, string>; tag: string };

export interface PlannedService {
  name: string;
  containerName: string;
  /** The image the container runs: `image:`, or the tag a `build:` produces (`<project>-<service>`). */
  image: string;
  build?: PlannedBuild;
  pullPolicy: NonNullable<ServiceConfig['pullPolicy']>;
  /** Dependencies within this run (optional ones that are not part of it are left out). */
  dependsOn: Record<string, ServiceDependency>;
  create: ContainerCreateBody;
  /** sha256 of the create request: an existing container with the same hash is kept by a new `up`. */
  configHash: string;
  config: ServiceConfig;
}

export interface EnvironmentPlan {
  project: ComposeProject;
  /** Labels every resource of the environment carries. */
  labels: Record<string, string>;
  networks: PlannedResource[];
  volumes: PlannedResource[];
  services: Record<string, PlannedService>;
  /** Start order in waves (a wave depends only on earlier ones); stop in reverse. */
  waves: string[][];
}

/**
 * The services a run starts: those named (with everything they depend on, whatever their
 * profiles), or every service whose profiles are active — a service without `profiles:` always is —
 * with what they depend on.
 */
export function selectServices(
  project: ComposeProject,
  names: readonly string[],
  profiles: readonly string[],
): string[] {
  const all = Object.keys(project.services);
  const unknown = names.filter((n) => !(n in project.services));
  if (unknown.length > 0) {
    throw new ComposeFileError(
      unknown.map((n) => {
        const hint = suggestKey(n, all);
        return {
          kind: 'undefined-reference',
          message: `no such service: ${n}${hint ? ` (did you mean "${hint}"?)` : ''}; the services are ${all.join(', ')}`,
        };
      }),
    );
  }
  const roots =
    names.length > 0
      ? [...names]
      : all.filter((n) => {
          const p = project.services[n]?.profiles ?? [];
          return p.length === 0 || p.some((x) => profiles.includes(x));
        });
  const selected = new Set<string>();
  const add = (name: string) => {
    if (selected.has(name)) return;
    selected.add(name);
    for (const [dep, d] of Object.entries(project.services[name]?.dependsOn ?? {})) if (d.required) add(dep);
  };
  for (const r of roots) add(r);
  if (selected.size === 0) {
    throw new ComposeFileError([
      {
        kind: 'invalid-value',
        message: `no service is active: every service has profiles (${[...new Set(Object.values(project.services).flatMap((s) => s.profiles))].join(', ')}); pass --profile NAME or name services`,
      },
    ]);
  }
  return all.filter((n) => selected.has(n));
}

/** The tag a `build:` service gets when it has no `image:`: docker compose's `<project>-<service>`. */
export function builtImageName(project: string, service: string): string {
  return `${project}-${service}`;
}

export function defaultContainerName(project: string, service: string): string {
  return `${project}-${service}-1`;
}

/**
 * What `up` will create, computed from the project alone (no engine calls): the networks and
 * volumes the selected services use, every container's create request with the environment's
 * labels, and the start order.
 */
export function planEnvironment(project: ComposeProject, options: PlanOptions = {}): EnvironmentPlan {
  const names = selectServices(project, options.services ?? [], options.profiles ?? []);
  const labels: Record<string, string> = {
    [ComposeLabel.Project]: project.name,
    [ComposeLabel.Environment]: project.name,
    [ComposeLabel.Managed]: 'true',
    [ComposeLabel.WorkingDir]: project.workingDir,
    [ComposeLabel.ConfigFiles]: project.configFiles.join(','),
  };
  if (options.session) {
    labels[ComposeLabel.Session] = options.session.id;
    if (options.session.expiresAt) labels[ComposeLabel.Expires] = options.session.expiresAt.toISOString();
  }

  const usedNetworks = new Set<string>();
  const usedVolumes = new Set<string>();
  const services: Record<string, PlannedService> = {};
  for (const name of names) {
    const config = project.services[name] as ServiceConfig;
    for (const n of Object.keys(config.networks)) usedNetworks.add(n);
    for (const m of config.mounts) if (m.type === 'volume' && m.source !== '') usedVolumes.add(m.source);
    const dependsOn = Object.fromEntries(
      Object.entries(config.dependsOn).filter(([dep]) => names.includes(dep)),
    );
    const image = config.image ?? builtImageName(project.name, name);
    const containerLabels: Record<string, string> = {
      ...labels,
      [ComposeLabel.Service]: name,
      [ComposeLabel.ContainerNumber]: '1',
      [ComposeLabel.Oneoff]: 'False',
      [ComposeLabel.DependsOn]: Object.entries(dependsOn)
        .map(([dep, d]) => `${dep}:${d.condition}:${d.required}`)
        .join(','),
    };
    const create = serviceCreateRequest(project, config, image, containerLabels);
    const configHash = createHash('sha256').update(JSON.stringify(create)).digest('hex');
    (create.Labels ?? {})[ComposeLabel.ConfigHash] = configHash;
    const planned: PlannedService = {
      name,
      containerName: config.containerName ?? defaultContainerName(project.name, name),
      image,
      pullPolicy: config.pullPolicy ?? 'missing',
      dependsOn,
      create,
      configHash,
      config,
    };
    if (config.build) planned.build = { ...config.build, labels: { ...config.build.labels }, tag: image };
    services[name] = planned;
  }

  const networks = [...usedNetworks].map((key): PlannedResource => {
    const n = project.networks[key];
    if (!n) throw new Error(`network ${key} is not in the project (the loader checks this)`);
    return {
      key,
      name: n.name,
      external: n.external,
      internal: n.internal,
      labels: { ...n.labels, ...labels, [ComposeLabel.Network]: key },
    };
  });
  const volumes = [...usedVolumes].map((key): PlannedResource => {
    const v = project.volumes[key];
    if (!v) throw new Error(`volume ${key} is not in the project (the loader checks this)`);
    return {
      key,
      name: v.name,
      external: v.external,
      labels: { ...v.labels, ...labels, [ComposeLabel.Volume]: key },
    };
  });
  const waves = dependencyWaves(new Map(names.map((n) => [n, Object.keys(services[n]?.dependsOn ?? {})])));
  return { project, labels, networks, volumes, services, waves };
}
