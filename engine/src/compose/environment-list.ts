import type { ContainerSummaryWire } from '../api/wire/container-wire.js';
import { ComposeLabel } from './compose-labels.js';
import type { EnvironmentEngine } from './environment-engine.js';

export interface EnvironmentServiceState {
  service: string;
  container: string;
  /** Docker's state word: running, exited, created, restarting… */
  state: string;
  /** Docker's status text (`Up 3 minutes (healthy)`). */
  status: string;
}

export interface EnvironmentSummary {
  name: string;
  /** docker compose's form: `running(2), exited(1)`; `no containers` when only networks or volumes are left. */
  status: string;
  running: boolean;
  services: EnvironmentServiceState[];
  networks: string[];
  volumes: string[];
  configFiles: string[];
  /** When `--ttl` removes it (ISO). */
  expiresAt?: string;
  session?: string;
}

function projectOf(labels: Record<string, string>): string | undefined {
  return labels[ComposeLabel.Project] ?? labels[ComposeLabel.Environment];
}

function statusText(containers: readonly ContainerSummaryWire[]): string {
  if (containers.length === 0) return 'no containers';
  const counts = new Map<string, number>();
  for (const c of containers) counts.set(c.State, (counts.get(c.State) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a === 'running' ? -1 : b === 'running' ? 1 : a.localeCompare(b)))
    .map(([state, n]) => `${state}(${n})`)
    .join(', ');
}

/**
 * Every environment on the engine — anything labelled with a compose project, whether `skiff up`
 * or docker compose made it — with its services' states, networks, volumes and expiry.
 */
export async function listEnvironments(engine: EnvironmentEngine): Promise<EnvironmentSummary[]> {
  const [byProject, byEnvironment, networks, volumes] = await Promise.all([
    engine.listContainers([ComposeLabel.Project], true),
    engine.listContainers([ComposeLabel.Environment], true),
    engine.listNetworks([ComposeLabel.Project]),
    engine.listVolumes([ComposeLabel.Project]),
  ]);
  const containers = new Map([...byProject, ...byEnvironment].map((c) => [c.Id, c]));
  const envs = new Map<string, EnvironmentSummary & { all: ContainerSummaryWire[] }>();
  const get = (name: string) => {
    let e = envs.get(name);
    if (!e) {
      e = {
        name,
        status: '',
        running: false,
        services: [],
        networks: [],
        volumes: [],
        configFiles: [],
        all: [],
      };
      envs.set(name, e);
    }
    return e;
  };
  const noteLabels = (e: EnvironmentSummary, labels: Record<string, string>) => {
    const expires = labels[ComposeLabel.Expires];
    if (expires && !e.expiresAt) e.expiresAt = expires;
    const session = labels[ComposeLabel.Session];
    if (session && !e.session) e.session = session;
    const files = labels[ComposeLabel.ConfigFiles];
    if (files && e.configFiles.length === 0) e.configFiles = files.split(',');
  };
  for (const c of containers.values()) {
    const name = projectOf(c.Labels);
    if (!name) continue;
    const e = get(name);
    e.all.push(c);
    e.services.push({
      service: c.Labels[ComposeLabel.Service] ?? '',
      container: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
      state: c.State,
      status: c.Status,
    });
    noteLabels(e, c.Labels);
  }
  for (const n of networks) {
    const name = projectOf(n.labels);
    if (!name) continue;
    const e = get(name);
    e.networks.push(n.name);
    noteLabels(e, n.labels);
  }
  for (const v of volumes) {
    const name = projectOf(v.labels);
    if (!name) continue;
    const e = get(name);
    e.volumes.push(v.name);
    noteLabels(e, v.labels);
  }
  return [...envs.values()]
    .map(({ all, ...e }) => ({
      ...e,
      status: statusText(all),
      running: all.some((c) => c.State === 'running'),
      services: e.services.sort((a, b) => a.service.localeCompare(b.service)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
