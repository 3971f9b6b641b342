import { randomBytes } from 'node:crypto';
import type { ImageRunConfig } from '../../images/image-config.js';
import { HostSpecialFiles } from '../../layers/special-files.js';
import { EmptySource } from '../source/empty-source.js';
import type { CopyStepDeps } from './copy-step.js';
import { placeItems, writeItems } from './copy-writer.js';
import { commitUpperDir } from './layer-commit.js';
import { chainOf, type StageImage, type StepCommit } from './stage-image.js';
import { withStepRootfs } from './step-rootfs.js';

/**
 * WORKDIR: the directory is created (owned by root, 0755, with missing parents) when the image
 * lacks it; the step has a layer only then, as with moby's `ContainerCreateWorkdir`.
 */
export async function executeWorkdir(
  deps: CopyStepDeps,
  image: StageImage,
  runConfig: ImageRunConfig,
  createdBy: string,
  now: Date,
): Promise<StepCommit> {
  const dir = runConfig.WorkingDir ?? '/';
  const id = randomBytes(32).toString('hex');
  const parent = image.layers[image.layers.length - 1]?.chainId;
  const layer = await withStepRootfs(deps, id, chainOf(image), async (fs) => {
    const write = {
      destination: dir,
      written: `${dir}/`,
      now,
      items: [
        {
          tree: new EmptySource('workdir'),
          rel: '',
          entry: { kind: 'directory' as const, mode: 0o755, size: 0, mtime: now, uid: 0, gid: 0 },
          name: '',
        },
      ],
    };
    await writeItems(
      fs.mountpoint,
      write,
      await placeItems(fs.mountpoint, write),
      deps.specialFiles ?? new HostSpecialFiles(),
    );
    return commitUpperDir(deps, fs.upperdir, parent);
  });
  return { runConfig, history: { created_by: createdBy }, ...(layer ? { layer } : {}) };
}
