import { isDigest } from '../../content/digest.js';
import { RegistryError } from '../../errors.js';
import type { ImageConfig } from '../../images/image-config.js';
import { RegistryErrorCode } from '../registry-constants.js';

/** Parses and checks an image config blob: a JSON object with os, architecture and rootfs.diff_ids. */
export function parseImageConfig(bytes: Uint8Array, layerCount: number, where: string): ImageConfig {
  const bad = (why: string) =>
    new RegistryError(`${where}: malformed image config: ${why}`, undefined, {
      code: RegistryErrorCode.ManifestInvalid,
    });
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object');
  const c = doc as Partial<ImageConfig>;
  if (typeof c.os !== 'string' || typeof c.architecture !== 'string')
    throw bad('os and architecture are required');
  const diffIds = c.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.some((d) => typeof d !== 'string' || !isDigest(d))) {
    throw bad('rootfs.diff_ids must be a list of sha256 digests');
  }
  if (diffIds.length !== layerCount) {
    throw bad(`rootfs.diff_ids has ${diffIds.length} entries but the manifest lists ${layerCount} layers`);
  }
  return c as ImageConfig;
}
