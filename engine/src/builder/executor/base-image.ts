import { NotFoundError } from '../../errors.js';
import { hostPlatform, type Platform } from '../../images/image-config.js';
import type { ImageRecord } from '../../images/image-record.js';
import type { ImageService, ProgressMessage, RegistryAuth } from '../../images/image-service.js';
import type { ImageStore } from '../../images/image-store.js';
import { parseReference } from '../../images/reference.js';
import { formatPlatform, samePlatform } from '../plan/platform.js';

export interface BaseImageRequest {
  ref: string;
  platform: Platform;
  /** `--pull`: fetch again even when the image is present. */
  pull: boolean;
  auth?: Record<string, RegistryAuth>;
  progress: (m: ProgressMessage) => void;
}

/** The image a FROM names, on the platform it asked for. The message is Docker's. */
export class PlatformMismatchError extends NotFoundError {
  constructor(ref: string, wanted: Platform, actual: Platform) {
    super(
      'image',
      ref,
      `image with reference ${ref} was found but does not match the specified platform: wanted ${formatPlatform(wanted)}, actual: ${formatPlatform(actual)}`,
    );
  }
}

function imagePlatform(record: ImageRecord): Platform {
  const p: Platform = { os: record.config.os, architecture: record.config.architecture };
  if (record.config.variant) p.variant = record.config.variant;
  return p;
}

/** Credentials for the registry of `ref` from an X-Registry-Config map (keys may be URLs). */
export function authFor(
  ref: string,
  auth: Record<string, RegistryAuth> | undefined,
): RegistryAuth | undefined {
  if (!auth) return undefined;
  const domain = parseReference(ref).domain;
  for (const [key, value] of Object.entries(auth)) {
    const host = key.replace(/^https?:\/\//, '').split('/')[0];
    if (host === domain) return value;
    if (domain === 'docker.io' && (host === 'index.docker.io' || host === 'registry-1.docker.io'))
      return value;
  }
  return undefined;
}

/**
 * Resolves a FROM image: the local one when present on the right platform (unless `--pull`),
 * otherwise pulled for that platform with the pull's progress forwarded. A present image of
 * another platform is an error (it cannot run here), as with Docker.
 */
export async function resolveBaseImage(
  deps: { store: ImageStore; pull?: ImageService['pull'] },
  request: BaseImageRequest,
): Promise<ImageRecord> {
  const local = request.pull ? undefined : await deps.store.find(request.ref);
  if (local) {
    const actual = imagePlatform(local);
    if (!samePlatform(actual, request.platform)) {
      throw new PlatformMismatchError(request.ref, request.platform, actual);
    }
    return local;
  }
  if (!deps.pull) {
    throw new NotFoundError(
      'image',
      request.ref,
      `No such image: ${request.ref} (it is not on this machine and this engine cannot pull: import or load it first)`,
    );
  }
  const auth = authFor(request.ref, request.auth);
  const pulled = await deps.pull(request.ref, {
    platform: formatPlatform(request.platform),
    progress: request.progress,
    ...(auth ? { auth } : {}),
  });
  const actual = imagePlatform(pulled);
  if (!samePlatform(actual, request.platform)) {
    throw new PlatformMismatchError(request.ref, request.platform, actual);
  }
  return pulled;
}

export function defaultPlatform(spec: Platform | undefined): Platform {
  return spec ?? hostPlatform();
}
