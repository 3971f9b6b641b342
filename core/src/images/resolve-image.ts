import { resolveRuntime } from '../runtime/default-runtime.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { ensureImage } from './ensure-image.js';
import type { ImagePullPolicy } from './pull-policy.js';

export interface ResolveImageOptions {
  /** The runtime whose engine is asked (default: the default runtime). */
  runtime?: SkiffRuntime;
  /** Pull when missing (or per `policy`); `false` only looks (default true). */
  pull?: boolean;
  policy?: ImagePullPolicy;
  platform?: string;
  /** Apply the runtime's image substitution (mirror prefix, map) to the name first (default true). */
  substitute?: boolean;
}

/** An image as the engine has it: the name used (after substitution), its id and labels. */
export interface ResolvedImage {
  name: string;
  id: string;
  labels: Record<string, string>;
}

/**
 * Looks an image up on the engine, pulling it first unless told not to (pulls are shared across
 * processes, as for `start()`). Modules use it to key caches by image id. `undefined` only when
 * `pull: false` and the engine has no such image.
 */
export async function resolveImage(
  image: string,
  options: ResolveImageOptions = {},
): Promise<ResolvedImage | undefined> {
  const runtime = await resolveRuntime(options.runtime);
  const name = options.substitute === false ? image : runtime.substituteImage(image);
  if (options.pull === false) {
    const { inspectImage } = await import('../engine/images-api.js');
    // Asked each time: another process may have removed or replaced the image since.
    const found = await inspectImage(runtime.client, name);
    if (!found) return undefined;
    return { name, id: found.Id, labels: { ...(found.Config?.Labels ?? {}) } };
  }
  const inspect = await ensureImage(runtime, name, { policy: options.policy, platform: options.platform });
  return { name, id: inspect.Id, labels: { ...(inspect.Config?.Labels ?? {}) } };
}
