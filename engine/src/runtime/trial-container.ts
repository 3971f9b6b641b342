import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readlink, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { writeBundle } from './bundle.js';
import { minimalContainerSpec } from './minimal-container-spec.js';
import type { OciRuntime } from './oci-runtime.js';
import { buildOciSpec, cgroupsPathFor, type HostFacts } from './oci-spec.js';

export interface TrialResult {
  ok: boolean;
  ms: number;
  detail: string;
}

/** Host directories the trial borrows read-only; symlinks (merged /usr) are copied as symlinks. */
const BORROWED = ['usr', 'bin', 'sbin', 'lib', 'lib64'];

/**
 * Runs `/usr/bin/true` in a throwaway container built exactly like a real one (Skiff's spec:
 * cgroups, seccomp, capabilities, namespaces) on a rootfs that borrows the host's /usr read-only.
 * It proves the runtime works on this host, not merely that its binary exists.
 */
export async function runTrialContainer(
  runtime: OciRuntime,
  options: { scratchDir: string; engineName: string; host: HostFacts; timeoutMs?: number },
): Promise<TrialResult> {
  const id = `skiff-trial-${randomBytes(6).toString('hex')}`;
  await mkdir(options.scratchDir, { recursive: true });
  const dir = await mkdtemp(path.join(options.scratchDir, 'trial-'));
  const started = performance.now();
  try {
    const rootfs = path.join(dir, 'rootfs');
    await mkdir(rootfs);
    const spec = buildOciSpec(minimalContainerSpec({ cmd: ['/usr/bin/true'], readonlyRootfs: true }), {
      containerId: id,
      rootfsPath: rootfs,
      user: { uid: 0, gid: 0, additionalGids: [], home: '/', username: undefined },
      etcFiles: {},
      cgroupsPath: cgroupsPathFor(options.engineName, id),
      host: options.host,
    });
    for (const name of BORROWED) {
      const hostPath = `/${name}`;
      const st = await lstat(hostPath).catch(() => undefined);
      if (st?.isSymbolicLink()) await symlink(await readlink(hostPath), path.join(rootfs, name));
      else if (st?.isDirectory()) {
        await mkdir(path.join(rootfs, name));
        spec.mounts.push({
          destination: hostPath,
          type: 'bind',
          source: hostPath,
          options: ['rbind', 'ro', 'rprivate'],
        });
      }
    }
    await writeBundle(dir, spec);
    const proc = runtime.run(id, dir, { stdin: false, tty: false });
    const stderr: Buffer[] = [];
    proc.stderr?.on('data', (c: Buffer) => stderr.push(c));
    proc.stdout.resume();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 10_000);
    });
    const outcome = await Promise.race([proc.exited, timeout]).finally(() => clearTimeout(timer));
    const ms = Math.round(performance.now() - started);
    if (outcome === 'timeout') {
      await runtime.kill(id, 'SIGKILL', { all: true }).catch(() => undefined);
      return {
        ok: false,
        ms,
        detail: `trial container did not exit within ${options.timeoutMs ?? 10_000} ms`,
      };
    }
    if (outcome.exitCode !== 0) {
      const why =
        outcome.error ?? (Buffer.concat(stderr).toString('utf8').trim() || `exit code ${outcome.exitCode}`);
      return { ok: false, ms, detail: `trial container failed: ${why}` };
    }
    return { ok: true, ms, detail: `ran a trial container in ${ms} ms` };
  } catch (err: unknown) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      detail: `trial container failed: ${errorMessage(err)}`,
    };
  } finally {
    await runtime.delete(id, { force: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
