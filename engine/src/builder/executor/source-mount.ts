import { randomBytes } from 'node:crypto';
import type { Platform } from '../../images/image-config.js';
import { familiarName, parseReference } from '../../images/reference.js';
import type { CopyFromRef } from '../plan/build-plan.js';
import { DirectorySource } from '../source/directory-source.js';
import { EmptySource } from '../source/empty-source.js';
import type { SourceTree } from '../source/source-tree.js';
import { resolveBaseImage } from './base-image.js';
import type { BuildSession } from './build-session.js';
import { chainOf, imageStart, type StageImage } from './stage-image.js';
import { withStepRootfs } from './step-rootfs.js';

/**
 * Runs `work` with the tree a COPY reads from: the build context, or the root filesystem of the
 * `--from` stage or image. A one-layer image is read straight from its snapshot; a deeper one is
 * mounted as a read-only view for the duration of the step and released afterwards.
 */
export async function withSourceTree<T>(
  session: BuildSession,
  from: CopyFromRef | undefined,
  platform: Platform | undefined,
  work: (tree: SourceTree) => Promise<T>,
): Promise<T> {
  if (from === undefined) return work(session.context);
  let image: StageImage;
  let label: string;
  if (from.kind === 'stage') {
    const built = session.stages.get(from.index);
    if (!built) throw new Error(`stage ${from.index} was not built before it was copied from`);
    image = built;
    const name = session.plan.stages[from.index]?.stage.name;
    label = name ? `stage ${JSON.stringify(name)}` : `stage ${from.index}`;
  } else {
    const record = await resolveBaseImage(session.deps, {
      ref: from.ref,
      platform: platform ?? session.platform,
      pull: session.request.pull ?? false,
      ...(session.request.registryAuth ? { auth: session.request.registryAuth } : {}),
      progress: (m) => session.output.progress(m),
    });
    image = imageStart(record);
    label = `image ${familiarName(parseReference(from.ref))}`;
  }
  const chain = chainOf(image);
  const top = chain[chain.length - 1];
  if (top === undefined) return work(new EmptySource(label));
  if (chain.length === 1) {
    return work(
      new DirectorySource(session.deps.snapshotter.dir(top), { label, linkScope: 'root', identity: top }),
    );
  }
  const id = randomBytes(32).toString('hex');
  return withStepRootfs(session.stepRootfs, id, chain, (fs) =>
    work(new DirectorySource(fs.mountpoint, { label, linkScope: 'root', identity: top })),
  );
}
