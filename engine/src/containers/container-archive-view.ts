import type { ContainerContext } from './container-context.js';
import type { RootView } from './container-path.js';
import type { ContainerRecord } from './container-record.js';

/**
 * Where the engine finds a container's files. Running: `/proc/<pid>/root`, which shows every
 * mount (tmpfs, volumes, binds, /etc files) exactly as the container sees it. Otherwise: the
 * rootfs (mounted again if needed) with bind and volume sources and the /etc files laid over
 * it by destination; tmpfs mounts have no content while the container is stopped.
 */
export async function rootViewOf(ctx: ContainerContext, record: ContainerRecord): Promise<RootView> {
  const live = ctx.liveOf(record);
  const pid = live.supervisor?.running ? live.supervisor.initPid : 0;
  if (pid > 0) return { root: `/proc/${pid}/root`, mounts: [] };
  if (!live.rootfsMounted || !live.rootfsPath) {
    const rootfs = await ctx.deps.rootfs.mount(record.id);
    live.rootfsMounted = true;
    live.rootfsPath = rootfs.mountpoint;
  }
  const mounts: { destination: string; source: string }[] = [];
  for (const m of record.mounts) {
    if (m.type === 'bind' || m.type === 'volume')
      mounts.push({ destination: m.destination, source: m.source });
  }
  if (record.hostsPath) mounts.push({ destination: '/etc/hosts', source: record.hostsPath });
  if (record.hostnamePath) mounts.push({ destination: '/etc/hostname', source: record.hostnamePath });
  if (record.resolvConfPath) mounts.push({ destination: '/etc/resolv.conf', source: record.resolvConfPath });
  return { root: live.rootfsPath!, mounts };
}
