import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAKE_BUSYBOX, type SkiffdHarness } from '../../api/skiffd-harness.js';

const run = promisify(execFile);

/** The image every compat case runs: a real busybox 1.35. */
export const BUSYBOX = 'busybox:1.35';

/**
 * Puts `busybox:1.35` into the engine. With `SKIFF_REGISTRY_MIRRORS` (set by
 * `scripts/lib/with-fixture-registry.mjs`, as `npm test` runs the suites) it is pulled through the
 * fixture registry mirror, the path a pull from Docker Hub takes; without it the busybox fixture
 * rootfs is imported. Returns which way it came.
 */
export async function provideBusybox(h: SkiffdHarness): Promise<'mirror' | 'import'> {
  if (process.env.SKIFF_REGISTRY_MIRRORS) {
    const r = await h.skiff(['pull', '-q', BUSYBOX]);
    if (r.code !== 0) throw new Error(`skiff pull ${BUSYBOX} through the mirror failed: ${r.stderr}`);
    return 'mirror';
  }
  const tarPath = path.join(h.base, 'busybox.tar');
  await run('bash', [MAKE_BUSYBOX, tarPath]);
  const r = await h.skiff(['import', '--change', 'CMD ["sh"]', tarPath, BUSYBOX]);
  if (r.code !== 0) throw new Error(`skiff import failed: ${r.stderr}`);
  return 'import';
}
