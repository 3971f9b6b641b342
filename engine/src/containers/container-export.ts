import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';
import { diffDirectory } from '../layers/diff-directory.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';

/**
 * `GET /containers/{id}/export` (`docker export`): the container's root filesystem as one flat
 * tar — the overlay's merged view, without volumes, binds, tmpfs or the kernel filesystems
 * (those live in the container's own mount namespace, not on the merged directory), as moby
 * exports the mounted rw layer. A stopped container's rootfs is mounted for it.
 */
export async function exportContainer(ctx: ContainerContext, record: ContainerRecord): Promise<Readable> {
  const live = ctx.liveOf(record);
  let rootfs = await ctx.deps.rootfs.get(record.id);
  if (!rootfs) throw new InvalidArgumentError(`container ${record.id} has no root filesystem to export`);
  if (!rootfs.mounted) {
    rootfs = await ctx.deps.rootfs.mount(record.id);
    live.rootfsMounted = true;
    live.rootfsPath = rootfs.mountpoint;
  }
  return diffDirectory(rootfs.mountpoint, { overlay: false });
}
