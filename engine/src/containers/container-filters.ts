import { InvalidArgumentError } from '../errors.js';
import type { ContainerRecord, ContainerStatus } from './container-record.js';
import { isRunningStatus, type ListOptions } from './container-service.js';

const STATUSES: readonly ContainerStatus[] = [
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
];
const KNOWN = new Set([
  'label',
  'name',
  'id',
  'status',
  'ancestor',
  'before',
  'since',
  'exited',
  'health',
  'network',
  'volume',
  'publish',
  'expose',
  'is-task',
]);

export interface FilterContext {
  /** Resolves an image reference to its ID (for `ancestor`); undefined when unknown. */
  imageId(ref: string): Promise<string | undefined>;
  /** Resolves a container reference (for `before` / `since`). */
  container(ref: string): ContainerRecord;
}

function labelMatches(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

function portMatches(ports: { containerPort: number; protocol: string }[], filter: string): boolean {
  const [portText = '', proto = 'tcp'] = filter.split('/');
  const [lo, hi = lo] = portText.split('-').map(Number);
  return ports.some(
    (p) => p.protocol === proto && lo !== undefined && p.containerPort >= lo && p.containerPort <= (hi ?? lo),
  );
}

/** Exits and `Status` filter values as moby spells them: `exited` covers a container never started too. */
function statusOf(record: ContainerRecord): ContainerStatus {
  return record.state.status;
}

/**
 * `GET /containers/json` semantics (moby `daemon/list.go`): newest first; without `all` only
 * running (and paused/restarting) containers unless a status, before/since filter or a limit asks
 * for more. Labels are ANDed, the values of every other key ORed.
 */
export async function filterContainers(
  records: readonly ContainerRecord[],
  options: ListOptions,
  ctx: FilterContext,
): Promise<ContainerRecord[]> {
  const f = options.filters;
  for (const key of Object.keys(f)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
  }
  for (const s of f.status ?? []) {
    if (!STATUSES.includes(s as ContainerStatus)) {
      throw new InvalidArgumentError(`invalid filter 'status=${s}': use one of ${STATUSES.join(', ')}`);
    }
  }
  const sorted = [...records].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  const before = (f.before ?? []).map((ref) => ctx.container(ref).created);
  const since = (f.since ?? []).map((ref) => ctx.container(ref).created);
  const showAll =
    options.all ||
    (options.limit ?? 0) > 0 ||
    before.length > 0 ||
    since.length > 0 ||
    (f.status ?? []).length > 0;
  const ancestorIds = new Set<string>();
  for (const ref of f.ancestor ?? []) {
    const id = await ctx.imageId(ref);
    if (id) ancestorIds.add(id);
  }
  const exited = (f.exited ?? []).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n))
      throw new InvalidArgumentError(`invalid filter 'exited=${v}': expected an exit code`);
    return n;
  });

  const out: ContainerRecord[] = [];
  for (const r of sorted) {
    const status = statusOf(r);
    if (!showAll && !isRunningStatus(status)) continue;
    if (before.length > 0 && !before.every((t) => r.created < t)) continue;
    if (since.length > 0 && !since.every((t) => r.created > t)) continue;
    if (!(f.label ?? []).every((l) => labelMatches(r.spec.labels, l))) continue;
    if (f.name?.length && !f.name.some((n) => matchName(r.spec.name, n))) continue;
    if (f.id?.length && !f.id.some((id) => r.id.startsWith(id))) continue;
    if (f.status?.length && !f.status.includes(status)) continue;
    if (exited.length > 0 && !(status === 'exited' && exited.includes(r.state.exitCode))) continue;
    if (f.ancestor?.length && !(ancestorIds.has(r.spec.imageId) || f.ancestor.includes(r.spec.image)))
      continue;
    if (f.health?.length && !f.health.includes(r.state.health?.status ?? 'none')) continue;
    if (f.network?.length && !f.network.some((n) => networkMatches(r, n))) continue;
    if (f.volume?.length && !f.volume.some((v) => r.mounts.some((m) => m.name === v || m.destination === v)))
      continue;
    if (f.expose?.length && !f.expose.some((p) => portMatches(r.spec.exposedPorts, p))) continue;
    if (
      f.publish?.length &&
      !f.publish.some((p) =>
        portMatches(
          r.ports.map((x) => ({ ...x, containerPort: x.hostPort })),
          p,
        ),
      )
    )
      continue;
    if (f['is-task']?.includes('true')) continue;
    out.push(r);
    if (options.limit && options.limit > 0 && out.length >= options.limit) break;
  }
  return out;
}

/** moby matches names as a regular expression against `/name`; a bad pattern falls back to substring. */
function matchName(name: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(`/${name}`);
  } catch {
    return name.includes(pattern.replace(/^\//, ''));
  }
}

function networkMatches(r: ContainerRecord, n: string): boolean {
  if (r.spec.networkMode === n) return true;
  return r.endpoints.some((e) => e.networkName === n || e.networkId.startsWith(n));
}
