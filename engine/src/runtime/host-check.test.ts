import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingMounter } from '../os/recording-mounter.js';
import type { CommandResult } from '../util/run-command.js';
import { detectCgroupLayout, prepareCgroupsForCrun } from './cgroup-layout.js';
import { checkCgroupLayout, checkHybridControllers, runHostChecks } from './host-check.js';
import type { HostOps } from './host-ops.js';

interface FakeHost {
  uid?: number;
  files?: Record<string, string>;
  commands?: Record<string, Partial<CommandResult>>;
  cgroupMounts?: { mountPoint: string; fsType: 'cgroup' | 'cgroup2'; controllers?: string[] }[];
}

/** Scripted host: files and command answers by name; mounts live in a RecordingMounter. */
function fakeOps(host: FakeHost): HostOps & { ran: string[]; mounter: RecordingMounter } {
  const mounter = new RecordingMounter();
  const files = { ...host.files };
  for (const m of host.cgroupMounts ?? []) {
    mounter.addExisting(m.mountPoint, m.fsType);
  }
  const ran: string[] = [];
  const ops = {
    ran,
    mounter,
    uid: () => host.uid ?? 0,
    // An overlay's merged view shows its lower layer: enough overlayfs for the probe.
    readFile: async (p: string) => files[p] ?? files[p.replace('/merged/', '/lower/')],
    exists: async (p: string) => p in files,
    mkdir: async () => {},
    writeFile: async (p: string, c: string) => {
      files[p] = c;
    },
    run: async (file: string, args: readonly string[]) => {
      const line = [file, ...args].join(' ');
      ran.push(line);
      const answer = host.commands?.[file] ?? {};
      return { stdout: answer.stdout ?? '', stderr: answer.stderr ?? '', exitCode: answer.exitCode ?? 0 };
    },
    makeTempDir: (prefix: string) => mkdtemp(path.join(tmpdir(), path.basename(prefix))),
    removeDir: (p: string) => rm(p, { recursive: true, force: true }),
  };
  // Give cgroup mounts their controllers as super options, like mountinfo does.
  const list = mounter.list.bind(mounter);
  mounter.list = async (prefix?: string) =>
    (await list(prefix)).map((e) => {
      const m = host.cgroupMounts?.find((c) => c.mountPoint === e.mountPoint);
      return m ? { ...e, superOptions: ['rw', ...(m.controllers ?? [])] } : e;
    });
  return ops;
}

const HYBRID = [
  { mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup' as const, controllers: ['memory'] },
  { mountPoint: '/sys/fs/cgroup/pids', fsType: 'cgroup' as const, controllers: ['pids'] },
  { mountPoint: '/sys/fs/cgroup/cpu', fsType: 'cgroup' as const, controllers: ['cpu'] },
  { mountPoint: '/sys/fs/cgroup/unified', fsType: 'cgroup2' as const },
];

describe('cgroup layout', () => {
  it('recognises hybrid, v2 and v1', async () => {
    const hybrid = fakeOps({
      cgroupMounts: HYBRID,
      files: { '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n' },
    });
    expect(await detectCgroupLayout(hybrid)).toMatchObject({ mode: 'hybrid', v2Controllers: ['hugetlb'] });
    const v2 = fakeOps({
      cgroupMounts: [{ mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2' }],
      files: { '/sys/fs/cgroup/cgroup.controllers': 'cpuset cpu io memory pids' },
    });
    const layout = await detectCgroupLayout(v2);
    expect(layout.mode).toBe('v2');
    expect(checkCgroupLayout(layout).ok).toBe(true);
    expect(checkHybridControllers(layout).ok).toBe(true);
    expect((await detectCgroupLayout(fakeOps({ cgroupMounts: HYBRID.slice(0, 3) }))).mode).toBe('v1');
  });

  it('says which controllers are missing', async () => {
    const layout = await detectCgroupLayout(fakeOps({ cgroupMounts: HYBRID.slice(0, 1) }));
    expect(checkCgroupLayout(layout)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/pids, cpu/),
    });
  });

  it('moves hugetlb off cgroup2 on a hybrid host, once', async () => {
    const ops = fakeOps({
      cgroupMounts: HYBRID,
      files: { '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb' },
    });
    const layout = await detectCgroupLayout(ops);
    expect(checkHybridControllers(layout)).toMatchObject({
      ok: false,
      fix: expect.stringMatching(/-o hugetlb/),
    });
    expect(await prepareCgroupsForCrun(ops)).toMatchObject({ changed: true });
    expect(ops.ran).toEqual(['mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb']);

    const fixed = fakeOps({
      cgroupMounts: HYBRID,
      files: { '/sys/fs/cgroup/unified/cgroup.controllers': '' },
    });
    expect(await prepareCgroupsForCrun(fixed)).toMatchObject({ changed: false });
    expect(fixed.ran).toEqual([]);
  });

  it('reports a failing fix instead of throwing', async () => {
    const ops = fakeOps({
      cgroupMounts: HYBRID,
      files: { '/sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb' },
      commands: { mount: { exitCode: 32, stderr: 'mount: busy' } },
    });
    expect(await prepareCgroupsForCrun(ops)).toEqual({
      changed: false,
      detail: 'mounting the v1 hugetlb hierarchy failed: mount: busy',
    });
  });
});

describe('runHostChecks', () => {
  it('names what is missing and how to fix it', async () => {
    const ops = fakeOps({
      uid: 1000,
      files: { '/proc/filesystems': 'nodev\ttmpfs\n' },
      commands: {
        unshare: { exitCode: 1, stderr: 'unshare: Operation not permitted' },
        runc: { exitCode: 127 },
        modprobe: { exitCode: 1 },
      },
      cgroupMounts: HYBRID,
    });
    const results = await runHostChecks(ops);
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName.root).toMatchObject({ ok: false, fix: expect.stringMatching(/root/) });
    expect(byName.overlayfs).toMatchObject({ ok: false, fix: expect.stringMatching(/modprobe overlay/) });
    expect(byName.namespaces).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/Operation not permitted/),
    });
    expect(byName.cgroups?.ok).toBe(true);
    expect(byName.runc).toMatchObject({ ok: false, fix: 'apt-get install -y runc' });
    expect(byName.crun?.ok).toBe(true);
    expect(byName['init (--init)']).toMatchObject({
      ok: false,
      advisory: true,
      detail: expect.stringMatching(/tini-static.*--init cannot start/),
      fix: expect.stringMatching(/apt-get install -y tini/),
    });
  });

  it('passes on a healthy host, doing a real test mount through the mounter', async () => {
    const ops = fakeOps({
      files: {
        '/proc/filesystems': 'nodev\toverlay\n',
        '/sys/fs/cgroup/unified/cgroup.controllers': '',
        '/usr/bin/docker-init': '',
      },
      commands: {
        crun: { stdout: 'crun version 1.8.1\n' },
        '/usr/bin/docker-init': { stdout: 'tini version 0.19.0 - git.de40ad0\n' },
      },
      cgroupMounts: HYBRID,
    });
    const results = await runHostChecks(ops, { scratchParent: tmpdir() });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(ops.mounter.calls.map((c) => c.op)).toEqual(['overlay', 'unmount']);
    expect(results.find((r) => r.name === 'crun')?.detail).toBe('crun 1.8.1');
    expect(results.find((r) => r.name === 'init (--init)')?.detail).toBe(
      '/usr/bin/docker-init (tini version 0.19.0 - git.de40ad0)',
    );
  });
});
