import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunDir } from './run-dir.js';

const tmps: string[] = [];
afterEach(() => {
  for (const t of tmps.splice(0)) rmSync(t, { recursive: true, force: true });
});

describe('createRunDir', () => {
  it('makes a private directory named after this process and removes those of dead processes', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'skiff-run-dir-test-'));
    tmps.push(tmp);
    // pid 2^22+1 is above Linux's pid_max ceiling: never a live process.
    const dead = path.join(tmp, `skiff-x-${2 ** 22 + 1}-abcdef`);
    const live = path.join(tmp, `skiff-x-${process.ppid}-ghijkl`);
    const other = path.join(tmp, 'skiff-y-1-abcdef');
    for (const d of [dead, live, other]) mkdirSync(d);
    const dir = await createRunDir('skiff-x', tmp);
    expect(path.basename(dir)).toMatch(new RegExp(`^skiff-x-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
});
