import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isErrno } from '../errors.js';
import type { Resources } from './container-spec.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** What cgroup v1 reports as "no limit" (PAGE_COUNTER_MAX rounded to pages). */
const UNLIMITED_THRESHOLD = 2 ** 62;

export interface CgroupPlacement {
  /** The `linux.cgroupsPath` to put in the OCI spec. */
  cgroupsPath: string;
  /** The memory limit lives on a parent cgroup the engine owns (see `ContainerCgroups`). */
  memoryOnParent: boolean;
}

export interface CgroupUsage {
  cpuTotalNs: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
}

/**
 * The cgroups of this engine's containers, on the cgroup v1 layout of these hosts. Every container
 * lives under `<base>/<id>` in each hierarchy (`base` = `/skiff/<engine>`), so a crash leaves
 * nothing that `orphans` cannot find.
 *
 * Why a parent cgroup: crun deletes the container's own cgroup when `crun run` returns, taking
 * its `memory.oom_control` counter with it, and in v1 the kernel does not propagate the OOM-kill
 * count to ancestors. So when a memory limit is asked for, the engine creates `<base>/<id>` in
 * the memory hierarchy with the limit, and crun runs the container in `<base>/<id>/c` without
 * one: the limit is enforced on the parent and its `memory.failcnt` survives the run. Without
 * a limit crun owns `<base>/<id>` alone and removes it itself.
 */
export class ContainerCgroups {
  constructor(
    readonly base: string,
    private readonly root: string = CGROUP_ROOT,
  ) {}

  private dir(controller: string, relative: string): string {
    return path.join(this.root, controller, relative);
  }

  /** Creates the parent cgroup when a memory limit is set; returns where crun should put the container. */
  async prepare(id: string, resources: Resources): Promise<CgroupPlacement> {
    const own = path.posix.join(this.base, id);
    if (!resources.memory || resources.memory <= 0) return { cgroupsPath: own, memoryOnParent: false };
    const parent = this.dir('memory', own);
    await mkdir(parent, { recursive: true });
    await writeFile(path.join(parent, 'memory.limit_in_bytes'), String(resources.memory));
    if (resources.memorySwap && resources.memorySwap > 0) {
      await writeFile(path.join(parent, 'memory.memsw.limit_in_bytes'), String(resources.memorySwap)).catch(
        (err: unknown) => {
          // No swap accounting on this kernel: the memory limit alone applies.
          if (!isErrno(err, 'ENOENT')) throw err;
        },
      );
    }
    return { cgroupsPath: path.posix.join(own, 'c'), memoryOnParent: true };
  }

  /**
   * Changes the memory limit kept on the parent cgroup of a running container (`docker update`).
   * v1 refuses a memory limit above memory+swap and the reverse, so the order of the two writes
   * follows the direction of the change.
   */
  async setParentMemory(id: string, memory: number, memorySwap: number | undefined): Promise<void> {
    const dir = this.dir('memory', path.posix.join(this.base, id));
    const writeMemory = () => writeFile(path.join(dir, 'memory.limit_in_bytes'), String(memory));
    const writeSwap = async () => {
      if (memorySwap === undefined || memorySwap === 0) return;
      await writeFile(path.join(dir, 'memory.memsw.limit_in_bytes'), String(memorySwap)).catch(
        (err: unknown) => {
          // No swap accounting on this kernel: the memory limit alone applies.
          if (!isErrno(err, 'ENOENT')) throw err;
        },
      );
    };
    const current = Number((await readFile(path.join(dir, 'memory.limit_in_bytes'), 'utf8')).trim());
    if (memory > current) {
      await writeSwap();
      await writeMemory();
    } else {
      await writeMemory();
      await writeSwap();
    }
  }

  /**
   * Lifts the pids limit of a running container: `crun update` treats a limit of 0 as "not
   * given" and writes -1 as is, which `pids.max` refuses, so the engine writes `max` itself.
   */
  async setPidsUnlimited(placement: CgroupPlacement): Promise<void> {
    await writeFile(this.dir('pids', path.posix.join(placement.cgroupsPath, 'pids.max')), 'max');
  }

  /** How often the memory limit was hit; with an exit by SIGKILL the engine did not send, that is an OOM kill. */
  async memoryFailCount(id: string): Promise<number> {
    const text = await readFile(
      this.dir('memory', path.posix.join(this.base, id, 'memory.failcnt')),
      'utf8',
    ).catch(() => '0');
    return Number(text.trim()) || 0;
  }

  /** Removes `<base>/<id>` from every hierarchy (after the runtime deleted its own cgroup). */
  async remove(id: string): Promise<void> {
    const relative = path.posix.join(this.base, id);
    await Promise.all(
      (await this.controllers()).map(async (controller) => {
        const dir = this.dir(controller, relative);
        await removeTree(dir);
      }),
    );
  }

  /** Removes the engine's own `base` directories where they are empty (an engine shutting down). */
  async removeBase(): Promise<void> {
    await Promise.all(
      (await this.controllers()).map((controller) =>
        rmdir(this.dir(controller, this.base)).catch(() => undefined),
      ),
    );
  }

  /** Container IDs that have a cgroup directory under `base` in any hierarchy. */
  async orphans(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const controller of await this.controllers()) {
      const entries = await readdir(this.dir(controller, this.base), { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory()) ids.add(e.name);
    }
    return ids;
  }

  /** Pids in the container's cgroups (parent and child), from every hierarchy that has them. */
  async pids(id: string, placement?: CgroupPlacement): Promise<number[]> {
    const rel = placement?.cgroupsPath ?? path.posix.join(this.base, id);
    const found = new Set<number>();
    for (const controller of ['pids', 'memory', 'cpu']) {
      for (const candidate of [rel, path.posix.join(this.base, id), path.posix.join(this.base, id, 'c')]) {
        const text = await readFile(
          this.dir(controller, path.posix.join(candidate, 'cgroup.procs')),
          'utf8',
        ).catch(() => '');
        for (const line of text.split('\n')) if (line) found.add(Number(line));
      }
      if (found.size > 0) break;
    }
    return [...found].sort((a, b) => a - b);
  }

  async usage(placement: CgroupPlacement, id: string): Promise<CgroupUsage> {
    const num = async (file: string) => Number((await readFile(file, 'utf8').catch(() => '0')).trim()) || 0;
    const rel = placement.cgroupsPath;
    const memRel = placement.memoryOnParent ? path.posix.join(this.base, id) : rel;
    const limit = await num(this.dir('memory', path.posix.join(memRel, 'memory.limit_in_bytes')));
    return {
      cpuTotalNs: await num(this.dir('cpuacct', path.posix.join(rel, 'cpuacct.usage'))),
      memoryUsage: await num(this.dir('memory', path.posix.join(memRel, 'memory.usage_in_bytes'))),
      memoryLimit: limit === 0 || limit >= UNLIMITED_THRESHOLD ? os.totalmem() : limit,
      pids: await num(this.dir('pids', path.posix.join(rel, 'pids.current'))),
    };
  }

  private controllersCache: string[] | undefined;

  /** The mounted hierarchies under the cgroup root (v1 controllers and the v2 `unified` mount). */
  private async controllers(): Promise<string[]> {
    if (this.controllersCache) return this.controllersCache;
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    this.controllersCache = entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name);
    // Symlinked aliases (cpu,cpuacct) point at one hierarchy; deduplicate by real name later via ENOENT.
    return this.controllersCache;
  }
}

/** rmdir children first: a cgroup directory can only be removed when it has no child cgroups. */
async function removeTree(dir: string): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err: unknown) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  try {
    await rmdir(dir);
  } catch (err: unknown) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}
