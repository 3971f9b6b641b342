import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../errors.js';
import { FileLock } from './file-lock.js';

describe('FileLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs callers of one process one at a time', async () => {
    const lock = new FileLock(path.join(dir, 'l'));
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        lock.run(async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 2));
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('takes over a lock whose owner died', async () => {
    const file = path.join(dir, 'l');
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = await new Promise<number>((r) => child.on('exit', () => r(child.pid!)));
    await writeFile(file, `${pid} 12345\n`);
    expect(await new FileLock(file, { timeoutMs: 2000 }).run(async () => readFile(file, 'utf8'))).toMatch(
      new RegExp(`^${process.pid} `),
    );
  });

  it('waits for a live owner in another process, and times out naming it', async () => {
    const file = path.join(dir, 'l');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
    const start = await readFile(`/proc/${holder.pid}/stat`, 'utf8');
    const startTime = start.slice(start.lastIndexOf(')') + 2).split(' ')[19];
    await writeFile(file, `${holder.pid} ${startTime}\n`);
    try {
      await expect(new FileLock(file, { timeoutMs: 100 }).run(async () => 1)).rejects.toThrow(
        LockTimeoutError,
      );
      await expect(new FileLock(file, { timeoutMs: 100 }).run(async () => 1)).rejects.toThrow(
        `pid ${holder.pid}`,
      );
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
