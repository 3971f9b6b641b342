import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { removeContainer } from './container-remover.js';
import { isRunningStatus } from './container-service.js';

/** `until` accepts a Unix timestamp, an RFC 3339 time or a Go-style duration (`10m`, `1h30m`). */
export function parseUntil(value: string, nowMs: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(value) ? goDurationMs(value) : undefined;
  if (duration !== undefined) return nowMs - duration;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new InvalidArgumentError(`invalid filter 'until=${value}': expected a timestamp or a duration`);
  return t;
}

function goDurationMs(text: string): number {
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(m[1]) * (unit[m[2]!] ?? 0);
  return total;
}

function labelMatch(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    total += e.isDirectory() ? await treeSize(full) : (await lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * `POST /containers/prune`: removes every stopped container matching the filters (`label`,
 * `label!`, `until`); space reclaimed is the size of their writable layers.
 */
export async function pruneContainers(
  ctx: ContainerContext,
  filters: Record<string, string[]>,
): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  for (const key of Object.keys(filters)) {
    if (key !== 'label' && key !== 'label!' && key !== 'until') {
      throw new InvalidArgumentError(
        `invalid filter '${key}' for container prune: use label, label! or until`,
      );
    }
  }
  const nowMs = Date.now();
  const until = (filters.until ?? []).map((u) => parseUntil(u, nowMs));
  const candidates = ctx.store.all().filter((r: ContainerRecord) => {
    if (isRunningStatus(r.state.status) || ctx.live.get(r.id)?.removing) return false;
    if (!(filters.label ?? []).every((l) => labelMatch(r.spec.labels, l))) return false;
    if ((filters['label!'] ?? []).some((l) => labelMatch(r.spec.labels, l))) return false;
    const created = Date.parse(r.created);
    return until.every((u) => created < u);
  });
  const deleted: string[] = [];
  let spaceReclaimed = 0;
  for (const r of candidates) {
    const upper = (await ctx.deps.rootfs.get(r.id).catch(() => undefined))?.upperdir;
    const size = upper ? await treeSize(upper) : 0;
    try {
      await ctx.locks.run(r.id, () => removeContainer(ctx, r, { removeVolumes: false }));
    } catch (err: unknown) {
      ctx.logger.warn({ containerId: r.id, err }, 'cannot prune container');
      continue;
    }
    deleted.push(r.id);
    spaceReclaimed += size;
  }
  return { deleted, spaceReclaimed };
}
