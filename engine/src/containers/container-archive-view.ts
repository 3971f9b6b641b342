import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';
import { resolveUser } from '../runtime/user-resolver.js';
import { extractIntoContainer } from './archive-extract.js';
import type { ContainerContext } from './container-context.js';
import type { RootView } from './container-path.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';

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

/**
 * `PUT /containers/{id}/archive`: extracts into the container's view, owned by the container's
 * user with `copyUIDGID`. A read-only root stays read-only for uploads too (bind and volume mounts
 * that are writable still accept them), as under Docker.
 */
export async function putContainerArchive(
  ctx: ContainerContext,
  record: ContainerRecord,
  ref: string,
  p: string,
  tar: Readable,
  options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
): Promise<void> {
  const view = await rootViewOf(ctx, record);
  let owner: { uid: number; gid: number } | undefined;
  if (options.copyUIDGID) {
    const user = await resolveUser(view.root, record.spec.user, record.spec.groupAdd);
    owner = { uid: user.uid, gid: user.gid };
  }
  if (record.spec.readonlyRootfs && !isRunningStatus(record.state.status)) {
    // The overlay is writable from the host, but the container promised a read-only root.
    const target = p.startsWith('/') ? p : `/${p}`;
    if (
      !record.mounts.some((m) => m.rw && (target === m.destination || target.startsWith(`${m.destination}/`)))
    ) {
      throw new InvalidArgumentError(`container rootfs is marked read-only: cannot extract into ${p}`);
    }
  }
  await extractIntoContainer(view, ref, p, tar, {
    noOverwriteDirNonDir: options.noOverwriteDirNonDir,
    ...(owner ? { owner } : {}),
  });
}
