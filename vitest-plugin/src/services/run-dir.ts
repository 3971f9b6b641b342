import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A private (0700) directory for one run's sockets and state files, named after this process
 * (`<prefix>-<pid>-XXXXXX` in the temp dir). A run that was killed cannot remove its own, so each
 * new one first removes those whose process is gone.
 */
export async function createRunDir(prefix: string, tmp = os.tmpdir()): Promise<string> {
  const pattern = new RegExp(`^${prefix}-(\\d+)-[A-Za-z0-9]{6}$`);
  const names = await readdir(tmp).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(pattern.exec(name)?.[1]);
      if (pid && pid !== process.pid && !alive(pid))
        await rm(path.join(tmp, name), { recursive: true, force: true });
    }),
  );
  return mkdtemp(path.join(tmp, `${prefix}-${process.pid}-`));
}
