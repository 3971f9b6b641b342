import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PidFileWatch } from './pid-file-watch.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-pid-watch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('PidFileWatch', () => {
  it('settles with the pid once the runtime wrote its pid file', async () => {
    const file = path.join(dir, 'run.pid');
    const watch = new PidFileWatch(file);
    await writeFile(file, '');
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, '4242');
    expect(await watch.started).toEqual({ pid: 4242 });
    await watch.finish();
  });

  it('reads the file a last time at finish, for a process shorter than one poll', async () => {
    const file = path.join(dir, 'short.pid');
    const watch = new PidFileWatch(file);
    await new Promise((r) => setTimeout(r, 30));
    await writeFile(file, '77\n');
    await watch.finish();
    expect(await watch.started).toEqual({ pid: 77 });
  });

  it('settles with undefined when the call ended without a pid file', async () => {
    const watch = new PidFileWatch(path.join(dir, 'never.pid'));
    await watch.finish();
    expect(await watch.started).toBeUndefined();
  });
});
