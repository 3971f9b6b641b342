import { errorMessage } from '../errors.js';
import type { MountEntry } from '../os/mountinfo.js';
import type { HostOps } from './host-ops.js';

export type CgroupMode = 'v1' | 'hybrid' | 'v2' | 'none';

export interface CgroupLayout {
  mode: CgroupMode;
  /** Controllers bound to a v1 hierarchy, by name. */
  v1Controllers: string[];
  /** Where the cgroup2 hierarchy is mounted (`/sys/fs/cgroup` on v2, `.../unified` on hybrid). */
  v2Mount: string | undefined;
  /** Controllers the cgroup2 root offers (`cgroup.controllers`). */
  v2Controllers: string[];
}

const V1_CONTROLLERS = [
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'blkio',
  'pids',
  'hugetlb',
  'net_cls',
  'net_prio',
  'perf_event',
  'rdma',
  'misc',
];

export async function detectCgroupLayout(ops: HostOps): Promise<CgroupLayout> {
  const mounts = await ops.mounter.list();
  const v2 = mounts.find((m) => m.fsType === 'cgroup2');
  const v1 = mounts.filter((m) => m.fsType === 'cgroup');
  const v1Controllers = [
    ...new Set(v1.flatMap((m: MountEntry) => m.superOptions.filter((o) => V1_CONTROLLERS.includes(o)))),
  ];
  const v2Controllers = v2
    ? ((await ops.readFile(`${v2.mountPoint}/cgroup.controllers`)) ?? '').split(/\s+/).filter(Boolean)
    : [];
  const mode: CgroupMode = v2 && v1.length === 0 ? 'v2' : v2 ? 'hybrid' : v1.length > 0 ? 'v1' : 'none';
  return { mode, v1Controllers, v2Mount: v2?.mountPoint, v2Controllers };
}

/**
 * crun 1.8.1 refuses a hybrid layout whose cgroup2 root still owns a controller ("cgroups in
 * hybrid mode not supported, drop all controllers from cgroupv2"); here that is `hugetlb`.
 * Binding hugetlb to a v1 hierarchy moves it off cgroup2.
 */
export function hybridBlockers(layout: CgroupLayout): string[] {
  return layout.mode === 'hybrid' ? layout.v2Controllers : [];
}

export const HUGETLB_V1_DIR = '/sys/fs/cgroup/hugetlb';

export interface PrepareResult {
  changed: boolean;
  detail: string;
}

/** Idempotent host fix for crun on hybrid cgroups: mount a v1 hugetlb hierarchy when cgroup2 owns hugetlb. */
export async function prepareCgroupsForCrun(ops: HostOps): Promise<PrepareResult> {
  const layout = await detectCgroupLayout(ops);
  const blockers = hybridBlockers(layout);
  if (blockers.length === 0) return { changed: false, detail: `cgroup layout ${layout.mode}: nothing to do` };
  if (blockers.some((c) => c !== 'hugetlb')) {
    return {
      changed: false,
      detail: `cgroup2 owns ${blockers.join(', ')} on this hybrid host; only hugetlb can be moved automatically`,
    };
  }
  try {
    await ops.mkdir(HUGETLB_V1_DIR);
  } catch (err: unknown) {
    return { changed: false, detail: `cannot create ${HUGETLB_V1_DIR}: ${errorMessage(err)}` };
  }
  const result = await ops.run('mount', ['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', HUGETLB_V1_DIR]);
  if (result.exitCode !== 0) {
    return { changed: false, detail: `mounting the v1 hugetlb hierarchy failed: ${result.stderr.trim()}` };
  }
  return {
    changed: true,
    detail: `mounted a v1 hugetlb hierarchy at ${HUGETLB_V1_DIR} so cgroup2 owns no controller`,
  };
}
