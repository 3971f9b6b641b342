import path from 'node:path';
import { errorMessage } from '../errors.js';
import { type CgroupLayout, detectCgroupLayout, hybridBlockers } from './cgroup-layout.js';
import { parseRuntimeVersion } from './create-oci-runtime.js';
import type { HostOps } from './host-ops.js';
import { findInitBinary, INIT_BINARY_CANDIDATES, INIT_BINARY_PACKAGE } from './init-binary.js';

/** One line of `skiff doctor`: what was checked, whether it passed, what was seen, how to fix it. */
export interface HostCheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** Failing it leaves the engine working, short of one feature (a warning, not a failure). */
  advisory?: boolean;
}

const REQUIRED_CONTROLLERS = ['memory', 'pids', 'cpu'];

export async function checkRoot(ops: HostOps): Promise<HostCheckResult> {
  const uid = ops.uid();
  return uid === 0
    ? { name: 'root', ok: true, detail: 'running as root' }
    : {
        name: 'root',
        ok: false,
        detail: `running as uid ${uid}; the engine mounts filesystems and creates namespaces`,
        fix: 'run the engine as root (sudo); rootless mode is not supported yet',
      };
}

export async function checkOverlayfs(ops: HostOps, scratchParent = '/dev/shm'): Promise<HostCheckResult> {
  const name = 'overlayfs';
  const filesystems = (await ops.readFile('/proc/filesystems')) ?? '';
  if (!/\toverlay$/m.test(filesystems)) {
    const load = await ops.run('modprobe', ['overlay']);
    const again = (await ops.readFile('/proc/filesystems')) ?? '';
    if (load.exitCode !== 0 || !/\toverlay$/m.test(again)) {
      return {
        name,
        ok: false,
        detail: 'overlay is not in /proc/filesystems',
        fix: 'modprobe overlay (CONFIG_OVERLAY_FS)',
      };
    }
  }
  let dir: string | undefined;
  let merged: string | undefined;
  try {
    dir = await ops.makeTempDir(path.join(scratchParent, 'skiff-overlay-check-'));
    for (const d of ['lower', 'upper', 'work', 'merged']) await ops.mkdir(path.join(dir, d));
    await ops.writeFile(path.join(dir, 'lower', 'probe'), 'ok');
    merged = path.join(dir, 'merged');
    await ops.mounter.mountOverlay({
      target: merged,
      lowerDirs: ['lower'],
      upperDir: path.join(dir, 'upper'),
      workDir: path.join(dir, 'work'),
      cwd: dir,
    });
    const seen = await ops.readFile(path.join(merged, 'probe'));
    await ops.mounter.unmount(merged);
    merged = undefined;
    if (seen !== 'ok')
      return { name, ok: false, detail: 'a test overlay mounted but did not show its lower layer' };
    return { name, ok: true, detail: `test mount in ${scratchParent} works` };
  } catch (err: unknown) {
    return {
      name,
      ok: false,
      detail: `test overlay mount failed: ${errorMessage(err)}`,
      fix: 'the engine needs root with CAP_SYS_ADMIN and a filesystem that can hold an overlay upper dir (tmpfs, ext4, xfs)',
    };
  } finally {
    if (merged) await ops.mounter.unmount(merged, { detach: true }).catch(() => undefined);
    if (dir) await ops.removeDir(dir);
  }
}

export async function checkNamespaces(ops: HostOps): Promise<HostCheckResult> {
  const result = await ops.run('unshare', ['--mount', '--uts', '--ipc', '--net', '--pid', '--fork', 'true']);
  return result.exitCode === 0
    ? { name: 'namespaces', ok: true, detail: 'mount, uts, ipc, net and pid namespaces can be created' }
    : {
        name: 'namespaces',
        ok: false,
        detail: `unshare failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
        fix: 'run as root on a kernel with namespaces; inside a container the engine needs --privileged',
      };
}

export function checkCgroupLayout(layout: CgroupLayout): HostCheckResult {
  const name = 'cgroups';
  if (layout.mode === 'none') {
    return {
      name,
      ok: false,
      detail: 'no cgroup filesystem is mounted',
      fix: 'mount cgroup2 at /sys/fs/cgroup',
    };
  }
  const available = layout.mode === 'v2' ? layout.v2Controllers : layout.v1Controllers;
  const missing = REQUIRED_CONTROLLERS.filter((c) => !available.includes(c));
  const where =
    layout.mode === 'v2'
      ? `cgroup v2 at ${layout.v2Mount}`
      : `cgroup ${layout.mode === 'hybrid' ? 'v1 hybrid' : 'v1'}`;
  if (missing.length > 0) {
    return {
      name,
      ok: false,
      detail: `${where} lacks the ${missing.join(', ')} controller(s)`,
      fix: 'enable them (cgroup_enable=memory on the kernel command line, or cgroup.subtree_control on v2)',
    };
  }
  return { name, ok: true, detail: `${where} with ${REQUIRED_CONTROLLERS.join(', ')}` };
}

export function checkHybridControllers(layout: CgroupLayout): HostCheckResult {
  const blockers = hybridBlockers(layout);
  return blockers.length === 0
    ? {
        name: 'cgroup2 controllers',
        ok: true,
        detail: layout.mode === 'hybrid' ? 'cgroup2 owns no controller' : 'not a hybrid layout',
      }
    : {
        name: 'cgroup2 controllers',
        ok: false,
        detail: `on this hybrid layout cgroup2 (${layout.v2Mount}) owns ${blockers.join(', ')}; crun refuses to run`,
        fix: 'mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb (the engine does this at start)',
      };
}

export async function checkRuntimeBinary(ops: HostOps, binary: 'crun' | 'runc'): Promise<HostCheckResult> {
  const result = await ops.run(binary, ['--version']);
  return result.exitCode === 0
    ? { name: binary, ok: true, detail: `${binary} ${parseRuntimeVersion(result.stdout)}` }
    : {
        name: binary,
        ok: false,
        detail: `${binary} is not installed or does not run: ${result.stderr.trim().split('\n')[0] ?? ''}`,
        fix: `apt-get install -y ${binary}`,
      };
}

/**
 * The init that `Init: true` runs as PID 1 (see `findInitBinary`): found, and it runs. Advisory:
 * without it only `--init` containers fail.
 */
export async function checkInitBinary(
  ops: HostOps,
  candidates: readonly string[] = INIT_BINARY_CANDIDATES,
): Promise<HostCheckResult> {
  const name = 'init (--init)';
  const fix = `apt-get install -y ${INIT_BINARY_PACKAGE} (for /usr/bin/tini-static)`;
  const found = await findInitBinary(candidates, (file) => ops.exists(file));
  if (!found) {
    return {
      name,
      ok: false,
      advisory: true,
      detail: `no static tini or docker-init (looked for ${candidates.join(', ')}): containers with --init cannot start`,
      fix,
    };
  }
  const result = await ops.run(found, ['--version']);
  const version = result.stdout.trim().split('\n')[0] ?? '';
  return result.exitCode === 0
    ? { name, ok: true, detail: `${found} (${version || 'version unknown'})` }
    : {
        name,
        ok: false,
        advisory: true,
        detail: `${found} does not run: ${result.stderr.trim().split('\n')[0] || `exit ${result.exitCode}`}`,
        fix,
      };
}

/** Every check setup, daemon start and `skiff doctor` print; none throws. */
export async function runHostChecks(
  ops: HostOps,
  options: { scratchParent?: string } = {},
): Promise<HostCheckResult[]> {
  const layout = await detectCgroupLayout(ops);
  return [
    await checkRoot(ops),
    await checkOverlayfs(ops, options.scratchParent),
    await checkNamespaces(ops),
    checkCgroupLayout(layout),
    checkHybridControllers(layout),
    await checkRuntimeBinary(ops, 'crun'),
    await checkRuntimeBinary(ops, 'runc'),
    await checkInitBinary(ops),
  ];
}
