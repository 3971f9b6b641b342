/**
 * What an engine under test may leave on the machine — OCI runtime state, mounts under its
 * directory, cgroups under `/sys/fs/cgroup/<hierarchy>/skiff/<engine>` — listed for leak checks
 * and removed in teardown, even after a test failed half-way.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CGROUP_ROOT = '/sys/fs/cgroup';

/** The part of an OCI runtime driver that teardown needs (crun/runc state of one engine). */
export interface RuntimeStates {
  list(): Promise<{ id: string; status: string }[]>;
  kill(id: string, signal: string, options: { all: boolean }): Promise<void>;
  delete(id: string, options: { force: boolean }): Promise<void>;
}

/** The engine's cgroup parent in every mounted hierarchy (crun creates `/skiff/<engine>/<id>`). */
export function cgroupParents(engineName: string): string[] {
  return readdirSync(CGROUP_ROOT).map((c) => path.join(CGROUP_ROOT, c, 'skiff', engineName));
}

/** Mount points at or below `base`, deepest first (the order to unmount them in). */
export async function mountsUnder(base: string): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  return mountinfo
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .reverse();
}

/** Lazily unmounts everything at or below `base`. */
export async function unmountUnder(base: string): Promise<void> {
  for (const m of await mountsUnder(base)) await run('umount', ['-l', m]).catch(() => undefined);
}

/** Leftovers of one engine, as `kind path` lines (empty when it cleaned up after itself). */
export async function engineLeftovers(engine: {
  engineName: string;
  base: string;
  runtime?: RuntimeStates;
}): Promise<string[]> {
  const left: string[] = [];
  for (const s of (await engine.runtime?.list()) ?? []) left.push(`runtime state ${s.id} (${s.status})`);
  for (const m of await mountsUnder(engine.base)) if (m !== engine.base) left.push(`mount ${m}`);
  for (const parent of cgroupParents(engine.engineName)) {
    for (const e of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) left.push(`cgroup ${parent}/${e.name}`);
    }
  }
  return left;
}

/** SIGKILLs every container the runtime knows and deletes its state. */
export async function removeRuntimeStates(runtime: RuntimeStates | undefined): Promise<void> {
  for (const s of (await runtime?.list().catch(() => [])) ?? []) {
    await runtime?.kill(s.id, 'SIGKILL', { all: true }).catch(() => {});
    await runtime?.delete(s.id, { force: true }).catch(() => {});
  }
}

/** Kills and deletes the engine's runtime state, unmounts below its base, removes its cgroups. */
export async function removeEngineLeftovers(engine: {
  engineName: string;
  base: string;
  runtime?: RuntimeStates | undefined;
}): Promise<void> {
  await removeRuntimeStates(engine.runtime);
  await unmountUnder(engine.base);
  for (const parent of cgroupParents(engine.engineName)) {
    for (const e of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory()) continue;
      // A container's cgroup may hold the runtime's own sub-cgroup (`c`) for its init process.
      await rmdir(path.join(parent, e.name, 'c')).catch(() => {});
      await rmdir(path.join(parent, e.name)).catch(() => {});
    }
    await rmdir(parent).catch(() => {});
  }
}
