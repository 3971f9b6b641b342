import type { ContainerSummaryWire } from '../api/wire/container-wire.js';
import { ComposeLabel } from './compose-labels.js';
import { dependencyWaves } from './dependency-graph.js';
import type { EnvironmentEngine, NamedResource } from './environment-engine.js';

export interface DownOptions {
  engine: EnvironmentEngine;
  project: string;
  /** `-v`: remove the environment's named volumes too. */
  volumes: boolean;
  /** Seconds each container gets to stop before it is killed; default: the container's own (stop_grace_period). */
  timeoutSeconds?: number;
  report?: (event: DownEvent) => void;
}

export type DownEvent =
  | { kind: 'container' | 'network' | 'volume'; name: string; action: 'stopping' | 'removed' }
  | { kind: 'warning'; message: string };

export interface DownResult {
  containers: number;
  networks: number;
  volumes: number;
  /** Volumes left in place (no `-v`). */
  keptVolumes: string[];
}

function containerName(c: ContainerSummaryWire): string {
  return c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
}

/** Stop order: dependants before what they depend on (the `depends_on` label docker compose writes). */
export function stopOrder(containers: readonly ContainerSummaryWire[]): ContainerSummaryWire[][] {
  const byService = new Map<string, ContainerSummaryWire[]>();
  for (const c of containers) {
    const s = c.Labels[ComposeLabel.Service] ?? c.Id;
    byService.set(s, [...(byService.get(s) ?? []), c]);
  }
  const deps = new Map<string, string[]>();
  for (const [service, list] of byService) {
    const label = list[0]?.Labels[ComposeLabel.DependsOn] ?? '';
    const names = label
      .split(',')
      .map((d) => d.split(':')[0] ?? '')
      .filter((d) => byService.has(d) && d !== service);
    deps.set(service, names);
  }
  let waves: string[][];
  try {
    waves = dependencyWaves(deps);
  } catch {
    // Labels edited by hand into a cycle: stop everything at once.
    waves = [[...byService.keys()]];
  }
  return waves.reverse().map((w) => w.flatMap((s) => byService.get(s) ?? []));
}

/**
 * `skiff down`: stops the environment's containers (dependants first) and removes them with their
 * anonymous volumes, then its networks, and with `volumes` its named volumes. Everything is found
 * by the project label, so `down` works without the compose file. When nothing of the
 * environment is left, its engine session (foreground `up`, `--ttl`) is ended too.
 */
export async function downEnvironment(options: DownOptions): Promise<DownResult> {
  const { engine, project } = options;
  const report = options.report ?? (() => {});
  const selector = [`${ComposeLabel.Project}=${project}`];
  const containers = await engine.listContainers(selector, true);
  const sessions = new Set<string>();
  const note = (labels: Record<string, string>) => {
    const s = labels[ComposeLabel.Session];
    if (s) sessions.add(s);
  };
  for (const wave of stopOrder(containers)) {
    await Promise.all(
      wave.map(async (c) => {
        note(c.Labels);
        if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
          report({ kind: 'container', name: containerName(c), action: 'stopping' });
          await engine.stopContainer(c.Id, options.timeoutSeconds);
        }
        await engine.removeContainer(c.Id, { force: true, volumes: true });
        report({ kind: 'container', name: containerName(c), action: 'removed' });
      }),
    );
  }
  const networks = await engine.listNetworks(selector);
  let removedNetworks = 0;
  for (const n of networks) {
    note(n.labels);
    try {
      await engine.removeNetwork(n.id);
      removedNetworks++;
      report({ kind: 'network', name: n.name, action: 'removed' });
    } catch (err: unknown) {
      report({
        kind: 'warning',
        message: `network ${n.name} was not removed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  const volumes: NamedResource[] = await engine.listVolumes(selector);
  let removedVolumes = 0;
  const kept: string[] = [];
  for (const v of volumes) {
    if (!options.volumes) {
      kept.push(v.name);
      continue;
    }
    note(v.labels);
    await engine.removeVolume(v.name);
    removedVolumes++;
    report({ kind: 'volume', name: v.name, action: 'removed' });
  }
  // A kept volume still carries its session label: the session (a TTL) removes it when it ends.
  const keptSessions = new Set(options.volumes ? [] : volumes.map((v) => v.labels[ComposeLabel.Session]));
  if (sessions.size > 0 && (await engine.supportsSessions().catch(() => false))) {
    for (const s of sessions) if (!keptSessions.has(s)) await engine.deleteSession(s);
  }
  return {
    containers: containers.length,
    networks: removedNetworks,
    volumes: removedVolumes,
    keptVolumes: kept,
  };
}
