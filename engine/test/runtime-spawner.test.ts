import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createProcessSpawner } from '../src/os/create-process-spawner.js';
import { NodeProcessSpawner } from '../src/os/node-process-spawner.js';
import type { ProcessSpawner } from '../src/os/process-spawner.js';
import { createOciRuntime } from '../src/runtime/create-oci-runtime.js';
import { CliOciRuntime } from '../src/runtime/crun-runtime.js';
import { collect, RuntimeHarness } from './runtime-harness.js';

// `crun run` started by both spawners: the native one (the default of createOciRuntime when the
// addon is built) and child_process (the fallback).
const spawners: [string, () => ProcessSpawner][] = [
  [
    'native',
    () => {
      const { spawner, fallbackReason } = createProcessSpawner({});
      if (spawner.kind !== 'native') throw new Error(`native addon missing: ${fallbackReason}`);
      return spawner;
    },
  ],
  ['node', () => new NodeProcessSpawner()],
];

describe.each(spawners)('crun started by the %s spawner (real kernel)', (_kind, make) => {
  let h: RuntimeHarness;

  beforeEach(async () => {
    h = new RuntimeHarness('crun');
    await h.setup();
    h.runtime = await createOciRuntime({
      name: 'crun',
      scratchDir: path.join(h.base, 'scratch'),
      logger: silentLogger(),
      spawner: make(),
    });
  });

  afterEach(async () => {
    let left: string[] = [];
    try {
      await h.rootfs.reconcile(new Set());
      left = await h.leftovers();
    } finally {
      await h.cleanup();
    }
    expect(left).toEqual([]);
  });

  it('runs a container with stdin, separate stdout and stderr, its exit code and its pid', async () => {
    const { id, process: p } = await h.start(
      {
        cmd: [
          'sh',
          '-c',
          'read line; echo "got $line"; echo err >&2; grep -E "^Sig(Blk|Ign)" /proc/self/status; exit 5',
        ],
      },
      { stdin: true },
    );
    p.stdin?.end('hello\n');
    const [out, err, status, started] = await Promise.all([
      collect(p.stdout),
      collect(p.stderr),
      p.exited,
      p.started,
    ]);
    // The container's process starts with no signal blocked or ignored, whoever spawned crun.
    expect(out).toMatch(/^got hello\nSigBlk:\s+0+\nSigIgn:\s+0+\n$/);
    expect(err).toBe('err\n');
    expect(status.exitCode).toBe(5);
    expect(started?.pid).toBeGreaterThan(0);
    await h.rootfs.release(id);
  });

  it('fails a run whose runtime binary does not exist, leaving no call files', async () => {
    const scratchDir = path.join(h.base, 'scratch');
    const missing = new CliOciRuntime({
      name: 'crun',
      binary: 'skiff-no-such-runtime',
      version: '0',
      stateRoot: path.join(scratchDir, 'runtime'),
      workDir: path.join(scratchDir, 'runtime-calls'),
      logger: silentLogger(),
      spawner: make(),
    });
    const id = h.newId();
    const p = missing.run(id, h.bundleDir(id), { stdin: false, tty: false });
    expect(p.pid).toBe(0);
    await expect(p.exited).rejects.toThrow(/cannot start skiff-no-such-runtime/);
    expect(await missing.removeStaleCallFiles()).toBe(0);
  });
});
