import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { OciSpec } from './oci-spec-types.js';

/**
 * Writes an OCI bundle's `config.json` (root-only, atomically). The bundle dir can be the
 * container's rootfs dir (`<scratchDir>/containers/<id>`), with `root.path` pointing at `merged`.
 */
export async function writeBundle(bundleDir: string, spec: OciSpec): Promise<string> {
  const file = path.join(bundleDir, 'config.json');
  await writeJsonAtomic(file, spec, { mode: 0o600 });
  return file;
}
