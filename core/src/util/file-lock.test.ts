import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withFileLock', () => {
  it('runs holders one at a time', async () => {
    const file = path.join(dir, 'serial.lock');
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withFileLock(file, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 10));
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
  });

  it('takes over a lock whose owner process is dead', async () => {
    const file = path.join(dir, 'stale.lock');
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid ?? 0)));
    writeFileSync(file, String(deadPid));
    expect(await withFileLock(file, async () => 'taken', { timeoutMs: 1_000 })).toBe('taken');
  });

  it('times out on a live holder with a message naming the file', async () => {
    const file = path.join(dir, 'held.lock');
    writeFileSync(file, String(process.ppid));
    await expect(withFileLock(file, async () => 'never', { timeoutMs: 100 })).rejects.toThrow(/held\.lock/);
  });
});
