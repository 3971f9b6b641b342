import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a
 * prefix: data goes to a temporary sibling, is flushed, then renamed over the target.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { mode?: number; fsync?: boolean } = {},
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'w', options.mode ?? 0o644);
    try {
      await fh.writeFile(data);
      if (options.fsync) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(
  target: string,
  value: unknown,
  options?: { mode?: number; fsync?: boolean },
) {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, options);
}
