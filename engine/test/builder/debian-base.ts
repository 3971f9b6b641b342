import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURES_CACHE } from '@skiff/testing';

/**
 * The recipe of the `debian:bookworm` base the stand-in service images build on: Debian's minbase
 * from the host's apt mirror, without device nodes (an image layer may not create them; the runtime
 * gives containers their own /dev).
 */
export const DEBIAN_RECIPE = ['--variant=minbase', '--skip=output/dev', '--quiet', 'bookworm'] as const;

const CACHE_DIR = path.join(FIXTURES_CACHE, 'fixtures');

/** The cached tar for the recipe, made with mmdebstrap (~15-40 s) the first time on a machine. */
export async function debianBaseTar(): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify(['mmdebstrap', ...DEBIAN_RECIPE]))
    .digest('hex')
    .slice(0, 12);
  const file = path.join(CACHE_DIR, `debian-bookworm-${key}.tar`);
  if (existsSync(file)) return file;
  await mkdir(CACHE_DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('mmdebstrap', [...DEBIAN_RECIPE, tmp], { maxBuffer: 64 << 20 }, (err, _stdout, stderr) =>
        err ? reject(new Error(`mmdebstrap failed: ${stderr || err.message}`)) : resolve(),
      );
    });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}
