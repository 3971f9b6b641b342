import type { ContainerSummaryWire } from '../api/wire/container-wire.js';
import { ComposeLabel } from './compose-labels.js';
import type { EnvironmentEngine, NamedResource } from './environment-engine.js';

/** Labels core puts on a session's resources (core/SESSIONS.md) naming the process that owns it. */
const SESSION_PID = 'dev.skiff.session.pid';
const SESSION_HOST = 'dev.skiff.session.host';

export interface PruneScope {
  /** Leftovers of sessions whose owner is gone. */
  sessions: boolean;
  /** Environments that are stopped, past their TTL, or reduced to networks and volumes. */
  environments: boolean;
}

export interface PruneHost {
  hostname: string;
  now: Date;
  /** Whether a process of this host is alive (signal 0). */
  isAlive(pid: number): boolean;
}

export interface PruneCandidate {
  kind: 'container' | 'network' | 'volume';
  id: string;
  name: string;
  reason: string;
}

function name(c: ContainerSummaryWire): string {
  return c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
}

/**
 * What `skiff prune` would remove, without removing anything:
 *
 * - **sessions**: resources labelled with a session the engine does not know (it restarted, or
 *   the session was reaped while they were being created), unless the labels name a process of
 *   this host that is still alive (a client on an engine without sessions, watched by core's
 *   reaper process). Live sessions and `--ttl` sessions are never touched.
 * - **environments**: every resource of an environment that has no running container, or whose
 *   `--ttl` expiry has passed (an engine that restarted forgets its sessions' timers).
 */
export async function findPrunable(
  engine: EnvironmentEngine,
  scope: PruneScope,
  host: PruneHost,
): Promise<PruneCandidate[]> {
  const [containers, networks, volumes] = await Promise.all([
    engine.listContainers([], true),
    engine.listNetworks([]),
    engine.listVolumes([]),
  ]);
  const out = new Map<string, PruneCandidate>();
  const add = (c: PruneCandidate) => {
    const key = `${c.kind}:${c.id}`;
    if (!out.has(key)) out.set(key, c);
  };
  const all: { kind: PruneCandidate['kind']; id: string; name: string; labels: Record<string, string> }[] = [
    ...containers.map((c) => ({ kind: 'container' as const, id: c.Id, name: name(c), labels: c.Labels })),
    ...networks.map((n: NamedResource) => ({
      kind: 'network' as const,
      id: n.id,
      name: n.name,
      labels: n.labels,
    })),
    ...volumes.map((v: NamedResource) => ({
      kind: 'volume' as const,
      id: v.name,
      name: v.name,
      labels: v.labels,
    })),
  ];

  if (scope.sessions) {
    const known = new Set(
      (await engine.supportsSessions().catch(() => false))
        ? (await engine.listSessions()).map((s) => s.id)
        : [],
    );
    for (const r of all) {
      const session = r.labels[ComposeLabel.Session];
      if (!session || known.has(session)) continue;
      const pid = Number(r.labels[SESSION_PID]);
      const ownerHost = r.labels[SESSION_HOST];
      if (ownerHost !== undefined && ownerHost !== host.hostname) continue;
      if (ownerHost === host.hostname && Number.isInteger(pid) && pid > 0 && host.isAlive(pid)) continue;
      add({ kind: r.kind, id: r.id, name: r.name, reason: `session ${session.slice(0, 12)} is gone` });
    }
  }

  if (scope.environments) {
    const projects = new Map<string, typeof all>();
    for (const r of all) {
      const p = r.labels[ComposeLabel.Project] ?? r.labels[ComposeLabel.Environment];
      if (p) projects.set(p, [...(projects.get(p) ?? []), r]);
    }
    for (const [project, resources] of projects) {
      const mine = containers.filter(
        (c) => (c.Labels[ComposeLabel.Project] ?? c.Labels[ComposeLabel.Environment]) === project,
      );
      const expires = resources.map((r) => r.labels[ComposeLabel.Expires]).find((e) => e !== undefined);
      let reason: string | undefined;
      if (expires && Date.parse(expires) <= host.now.getTime())
        reason = `environment "${project}" expired at ${expires}`;
      else if (mine.length === 0) reason = `environment "${project}" has no containers left`;
      else if (!mine.some((c) => c.State === 'running' || c.State === 'restarting'))
        reason = `environment "${project}" is stopped`;
      if (!reason) continue;
      for (const r of resources) add({ kind: r.kind, id: r.id, name: r.name, reason });
    }
  }
  return [...out.values()];
}

/** Removes the candidates: containers (with anonymous volumes), then networks, then volumes. */
export async function removePrunable(
  engine: EnvironmentEngine,
  candidates: readonly PruneCandidate[],
  onRemoved: (c: PruneCandidate) => void,
  onFailed: (c: PruneCandidate, err: unknown) => void,
): Promise<number> {
  let removed = 0;
  for (const kind of ['container', 'network', 'volume'] as const) {
    await Promise.all(
      candidates
        .filter((c) => c.kind === kind)
        .map(async (c) => {
          try {
            if (kind === 'container') await engine.removeContainer(c.id, { force: true, volumes: true });
            else if (kind === 'network') await engine.removeNetwork(c.id);
            else await engine.removeVolume(c.id);
            removed++;
            onRemoved(c);
          } catch (err: unknown) {
            onFailed(c, err);
          }
        }),
    );
  }
  return removed;
}
