import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeName } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { detectCgroupLayout, prepareCgroupsForCrun } from '../src/runtime/cgroup-layout.js';
import { createOciRuntime } from '../src/runtime/create-oci-runtime.js';
import { runHostChecks } from '../src/runtime/host-check.js';
import { gatherHostFacts } from '../src/runtime/host-facts.js';
import { systemHostOps } from '../src/runtime/host-ops.js';
import { selectRuntime } from '../src/runtime/runtime-selector.js';

const ops = systemHostOps();
let scratch: string;
const engine = `hostcheck-${randomBytes(4).toString('hex')}`;

beforeEach(async () => {
  scratch = await mkdtemp('/dev/shm/skiff-hostcheck-');
});

afterEach(async () => {
  for (const m of (await ops.mounter.list(scratch)).reverse())
    await ops.mounter.unmount(m.mountPoint, { detach: true });
  await rm(scratch, { recursive: true, force: true });
  for (const c of [
    'memory',
    'pids',
    'cpu',
    'devices',
    'freezer',
    'unified',
    'hugetlb',
    'systemd',
    'cpuset',
    'blkio',
    'cpuacct',
  ]) {
    await rmdir(path.join('/sys/fs/cgroup', c, 'skiff', engine)).catch(() => {});
  }
});

describe('host checks on this machine', () => {
  it('pass, with crun and runc found and overlay test-mounted', async () => {
    const results = await runHostChecks(ops);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.map((r) => r.name)).toEqual([
      'root',
      'overlayfs',
      'namespaces',
      'cgroups',
      'cgroup2 controllers',
      'crun',
      'runc',
      'init (--init)',
    ]);
    expect(await ops.mounter.list('/dev/shm')).not.toContainEqual(
      expect.objectContaining({ mountPoint: expect.stringContaining('skiff-overlay-check-') }),
    );
  });

  it('leaves an already prepared hybrid host alone', async () => {
    const layout = await detectCgroupLayout(ops);
    expect(['hybrid', 'v2', 'v1']).toContain(layout.mode);
    expect(await prepareCgroupsForCrun(ops)).toMatchObject({ changed: false });
  });

  it('picks crun after a real trial container, or runc when asked, leaving nothing behind', async () => {
    const host = await gatherHostFacts();
    const base = {
      scratchDir: scratch,
      engineName: engine,
      host,
      logger: silentLogger(),
      create: (name: RuntimeName) => createOciRuntime({ name, scratchDir: scratch, logger: silentLogger() }),
    };
    const auto = await selectRuntime({ ...base, preferred: undefined });
    expect(auto.runtime.name).toBe('crun');
    expect(auto.reason).toMatch(/^crun 1\.\d+\.\d+: ran a trial container in \d+ ms/);
    const forced = await selectRuntime({ ...base, preferred: 'runc' });
    expect(forced.runtime.name).toBe('runc');
    expect(await auto.runtime.list()).toEqual([]);
    expect(await forced.runtime.list()).toEqual([]);
    for (const c of ['memory', 'pids']) {
      const entries = await readdir(path.join('/sys/fs/cgroup', c, 'skiff', engine), {
        withFileTypes: true,
      }).catch(() => []);
      expect(entries.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual([]);
    }
    expect((await readdir(scratch)).filter((n) => n.startsWith('trial-'))).toEqual([]);
  });
});
