import { createHash } from 'node:crypto';
import path from 'node:path';
import { inspectImage, pullImage } from '../engine/images-api.js';
import type { WireImageInspect } from '../engine/wire-types.js';
import { EngineApiError, ImageNotFoundError, ImagePullError } from '../errors.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { withFileLock } from '../util/file-lock.js';
import { type ImagePullPolicy, PullPolicy } from './pull-policy.js';

const NOT_FOUND = /not found|manifest unknown|no such image|does not exist|pull access denied|name unknown/i;

/**
 * Makes sure `image` is present, pulling per `policy`. Pulls of one image are shared across test
 * workers: a file lock per engine and image, and a second look after taking it, so N workers
 * asking at once cause one pull. Returns the image's inspect (its health check picks the default wait).
 */
export async function ensureImage(
  runtime: SkiffRuntime,
  image: string,
  options: { policy?: ImagePullPolicy; platform?: string; signal?: AbortSignal } = {},
): Promise<WireImageInspect> {
  const policy = options.policy ?? PullPolicy.defaultPolicy();
  const cache = runtime.imageCache;
  const cached = cache.get(image);
  if (cached && !policy.shouldPull(true)) return cached;
  const present = cached ?? (await inspectImage(runtime.client, image));
  if (present && !policy.shouldPull(true)) {
    cache.set(image, present);
    return present;
  }
  const key = createHash('sha256')
    .update(`${runtime.explanation.endpoint}\n${image}`)
    .digest('hex')
    .slice(0, 32);
  return withFileLock(
    path.join(runtime.lockDir, `pull-${key}.lock`),
    async () => {
      // Another worker may have pulled it while this one waited for the lock.
      const again = await inspectImage(runtime.client, image);
      if (again && !policy.shouldPull(true)) {
        cache.set(image, again);
        return again;
      }
      let error: string | undefined;
      try {
        ({ error } = await pullImage(runtime.client, image, {
          platform: options.platform,
          signal: options.signal,
        }));
      } catch (err) {
        if (err instanceof EngineApiError && (err.statusCode === 404 || NOT_FOUND.test(err.engineMessage))) {
          throw new ImageNotFoundError(image, err.engineMessage, { cause: err });
        }
        throw new ImagePullError(image, err instanceof Error ? err.message : String(err), { cause: err });
      }
      if (error) {
        if (NOT_FOUND.test(error)) throw new ImageNotFoundError(image, error);
        throw new ImagePullError(image, error);
      }
      const pulled = await inspectImage(runtime.client, image);
      if (!pulled)
        throw new ImageNotFoundError(image, 'the pull ended without error, but the engine has no such image');
      cache.set(image, pulled);
      return pulled;
    },
    { signal: options.signal },
  );
}
