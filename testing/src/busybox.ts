/** The busybox fixture: its root filesystem tar (made once per machine) and the image on an engine. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EngineApi } from './engine-api.js';
import { FIXTURES_CACHE, MAKE_BUSYBOX } from './paths.js';

const run = promisify(execFile);

/** The image every suite runs: the busybox:1.35 of `npm run fixtures` (Debian's busybox-static). */
export const BUSYBOX = 'busybox:1.35';

/** What `docker import` of the rootfs needs to match Docker Hub's busybox: a shell as the command. */
export const BUSYBOX_CHANGES = ['CMD ["sh"]'];

/**
 * The tar of fixtures/busybox/make-rootfs.sh, cached under the fixtures cache and keyed by the
 * script and the busybox binary, so suites import the same bytes without remaking them each time.
 */
export async function busyboxTar(): Promise<string> {
  const busybox = (await run('sh', ['-c', 'command -v busybox'])).stdout.trim();
  const key = createHash('sha256')
    .update(await readFile(MAKE_BUSYBOX))
    .update(await readFile(busybox))
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(FIXTURES_CACHE, 'fixtures');
  const file = path.join(dir, `busybox-rootfs-${key}.tar`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await run('bash', [MAKE_BUSYBOX, tmp]);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}

/**
 * Makes `ref` (default busybox:1.35) exist on the engine. A skiffd under `npm test` pulls it through
 * the fixture registry (`SKIFF_REGISTRY_MIRRORS`), the code path of a pull from Docker Hub; other
 * engines, or runs without the mirror, import the fixture rootfs. Returns how it came.
 */
export async function provideBusybox(
  api: EngineApi,
  options: { ref?: string; pull?: boolean } = {},
): Promise<'present' | 'mirror' | 'import'> {
  const ref = options.ref ?? BUSYBOX;
  if (await api.hasImage(ref)) return 'present';
  const pull = options.pull ?? Boolean(process.env.SKIFF_REGISTRY_MIRRORS);
  if (pull) {
    await api.pullImage(BUSYBOX);
    if (ref !== BUSYBOX) {
      const colon = ref.lastIndexOf(':');
      const [repo, tag] = colon > 0 ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
      await api.call('POST', `/images/${BUSYBOX}/tag?repo=${encodeURIComponent(repo)}&tag=${tag}`);
    }
    return 'mirror';
  }
  await api.importImage(await readFile(await busyboxTar()), ref, BUSYBOX_CHANGES);
  return 'import';
}
