import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { ConflictError, InvalidArgumentError } from '../errors.js';
import { runCommand } from '../util/run-command.js';
import type { CgroupUsage } from './container-cgroups.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { ContainerStats } from './container-service.js';

/** USER_HZ on Linux: /proc/stat counts in 1/100 s. */
const CLOCK_TICKS = 100;

/**
 * `docker top`: runs the host's `ps` with the given arguments and keeps the rows whose PID is in
 * the container (moby `daemon/top_unix.go`: the last column takes the rest of the line).
 */
export async function topProcesses(
  pids: readonly number[],
  psArgs = '-ef',
  run: typeof runCommand = runCommand,
): Promise<{ titles: string[]; processes: string[][] }> {
  const args = psArgs.split(/\s+/).filter((a) => a !== '');
  const { stdout } = await run('ps', args);
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new InvalidArgumentError(`Couldn't find PID field in ps output of "ps ${psArgs}"`);
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (!wanted.has(Number(fields[pidIndex]))) continue;
    processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
  }
  return { titles, processes };
}

/** Total host CPU time in nanoseconds, from the first line of /proc/stat. */
export async function systemCpuNs(statText?: string): Promise<number> {
  const text = statText ?? (await readFile('/proc/stat', 'utf8'));
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((sum, v) => sum + Number(v), 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}

/** Per-interface counters from a `/proc/<pid>/net/dev` (the container's netns), loopback left out. */
export function parseNetDev(text: string): ContainerStats['networks'] {
  const out: ContainerStats['networks'] = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = { rxBytes: f[0] ?? 0, rxPackets: f[1] ?? 0, txBytes: f[8] ?? 0, txPackets: f[9] ?? 0 };
  }
  return out;
}

export async function containerStats(usage: CgroupUsage, pid: number, now: Date): Promise<ContainerStats> {
  const netText = pid > 0 ? await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => '') : '';
  return {
    read: now.toISOString(),
    cpuTotalNs: usage.cpuTotalNs,
    systemCpuNs: await systemCpuNs(),
    onlineCpus: os.cpus().length,
    memoryUsage: usage.memoryUsage,
    memoryLimit: usage.memoryLimit,
    pids: usage.pids,
    networks: parseNetDev(netText),
  };
}

/** `docker top`: the processes in the container's cgroups (the init included). */
export async function topOfContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
  psArgs?: string,
): Promise<{ titles: string[]; processes: string[][] }> {
  const live = ctx.live.get(record.id);
  if (!live?.supervisor?.running) throw new ConflictError(`Container ${record.id} is not running`);
  const pids = new Set(await ctx.cgroups.pids(record.id, live.placement));
  if (live.supervisor.initPid > 0) pids.add(live.supervisor.initPid);
  return topProcesses([...pids], psArgs || '-ef');
}

/** `docker stats`: cgroup v1 counters of a running container; zeros for one that is not (as moby). */
export async function statsOfContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
): Promise<ContainerStats> {
  const live = ctx.live.get(record.id);
  const now = new Date();
  if (!live?.supervisor?.running || !live.placement) {
    return {
      read: now.toISOString(),
      cpuTotalNs: 0,
      systemCpuNs: 0,
      onlineCpus: 0,
      memoryUsage: 0,
      memoryLimit: 0,
      pids: 0,
      networks: {},
    };
  }
  return containerStats(await ctx.cgroups.usage(live.placement, record.id), live.supervisor.initPid, now);
}
