import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { minimalContainerSpec } from './minimal-container-spec.js';
import { buildExecProcess, buildOciSpec, MASKED_PATHS, type OciSpecInputs } from './oci-spec.js';

const ID = 'a1b2c3d4e5f6a7b8c9d0';
const inputs: OciSpecInputs = {
  containerId: ID,
  rootfsPath: '/scratch/containers/x/merged',
  user: { uid: 0, gid: 0, additionalGids: [10], home: '/root', username: 'root' },
  etcFiles: { hosts: '/s/hosts', hostname: '/s/hostname', resolvConf: '/s/resolv.conf' },
  cgroupsPath: `/skiff/test/${ID}`,
  host: { arch: 'x64', kernel: '6.18.0', hostname: 'the-host' },
};

const mountAt = (spec: ReturnType<typeof buildOciSpec>, dest: string) =>
  spec.mounts.find((m) => m.destination === dest);

describe('buildOciSpec defaults', () => {
  const spec = buildOciSpec(minimalContainerSpec({ cmd: ['echo', 'hi'], env: ['A=1'] }), inputs);

  it("runs the command as the resolved user with Docker's environment", () => {
    expect(spec.process.args).toEqual(['echo', 'hi']);
    expect(spec.process.user).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
    expect(spec.process.env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `HOSTNAME=${ID.slice(0, 12)}`,
      'A=1',
      'HOME=/root',
    ]);
    expect(spec.process.cwd).toBe('/');
    expect(spec.hostname).toBe(ID.slice(0, 12));
  });

  it("applies Docker's security defaults, plus no-new-privileges", () => {
    expect(spec.process.capabilities.bounding).toHaveLength(14);
    expect(spec.process.capabilities.inheritable).toEqual([]);
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.linux.maskedPaths).toEqual(MASKED_PATHS);
    expect(spec.linux.readonlyPaths).toContain('/proc/sys');
    expect(spec.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(spec.linux.resources?.devices?.[0]).toEqual({ allow: false, access: 'rwm' });
    expect(spec.linux.resources?.devices).toContainEqual({
      allow: false,
      type: 'c',
      major: 10,
      minor: 229,
      access: 'rwm',
    });
  });

  it('creates private namespaces and a 64 MiB /dev/shm', () => {
    expect(spec.linux.namespaces.map((n) => n.type).sort()).toEqual([
      'cgroup',
      'ipc',
      'mount',
      'network',
      'pid',
      'uts',
    ]);
    expect(mountAt(spec, '/dev/shm')?.options).toContain(`size=${64 * 1024 * 1024}`);
    expect(mountAt(spec, '/sys')?.options).toContain('ro');
    expect(mountAt(spec, '/etc/hosts')).toEqual({
      destination: '/etc/hosts',
      type: 'bind',
      source: '/s/hosts',
      options: ['rbind', 'rprivate', 'rw'],
    });
    expect(spec.linux.cgroupsPath).toBe(`/skiff/test/${ID}`);
  });
});

describe('buildOciSpec options', () => {
  it('privileged lifts masks, seccomp, no-new-privileges and the device cgroup', () => {
    const devices = [{ type: 'c' as const, path: '/dev/kmsg', major: 1, minor: 11 }];
    const spec = buildOciSpec(minimalContainerSpec({ privileged: true }), {
      ...inputs,
      host: { ...inputs.host, devices },
    });
    expect(spec.process.capabilities.bounding).toHaveLength(41);
    expect(spec.linux.maskedPaths).toBeUndefined();
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.process.noNewPrivileges).toBe(false);
    expect(spec.linux.resources?.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(spec.linux.devices).toEqual(devices);
    expect(mountAt(spec, '/sys')?.options).not.toContain('ro');
  });

  it('honours seccomp=unconfined, no-new-privileges=false and systempaths=unconfined', () => {
    const spec = buildOciSpec(
      minimalContainerSpec({
        securityOpt: ['seccomp=unconfined', 'no-new-privileges=false', 'systempaths=unconfined'],
      }),
      inputs,
    );
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.process.noNewPrivileges).toBe(false);
    expect(spec.linux.maskedPaths).toBeUndefined();
    expect(() => buildOciSpec(minimalContainerSpec({ securityOpt: ['bogus'] }), inputs)).toThrow(
      /invalid --security-opt/,
    );
  });

  it('maps resources: memory (swap twice), nano CPUs, shares, cpuset, pids', () => {
    const spec = buildOciSpec(
      minimalContainerSpec({
        resources: {
          memory: 64 * 1024 * 1024,
          nanoCpus: 1_500_000_000,
          cpuShares: 512,
          cpusetCpus: '0-1',
          pidsLimit: 50,
        },
      }),
      inputs,
    );
    expect(spec.linux.resources?.memory).toEqual({ limit: 64 * 1024 * 1024, swap: 128 * 1024 * 1024 });
    expect(spec.linux.resources?.cpu).toEqual({ period: 100000, quota: 150000, shares: 512, cpus: '0-1' });
    expect(spec.linux.resources?.pids).toEqual({ limit: 50 });
    expect(() => buildOciSpec(minimalContainerSpec({ resources: { memory: 1024 } }), inputs)).toThrow(
      /Minimum memory/,
    );
    expect(() =>
      buildOciSpec(minimalContainerSpec({ resources: { nanoCpus: 1e9, cpuQuota: 5000 } }), inputs),
    ).toThrow(/Conflicting/);
  });

  it('writes readonly rootfs, ulimits, sysctls, shm size, tmpfs and binds in parent-first order', () => {
    const spec = buildOciSpec(
      minimalContainerSpec({
        readonlyRootfs: true,
        ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
        sysctls: { 'net.ipv4.ip_forward': '1' },
        shmSize: 1024 * 1024,
        mounts: [
          { type: 'bind', source: '/host/a', target: '/data/sub', readOnly: true },
          { type: 'tmpfs', target: '/data', options: ['size=1m', 'exec'] },
          { type: 'volume', name: 'vol', target: '/vol', readOnly: false, anonymous: false },
        ],
      }),
      { ...inputs, volumePaths: { vol: '/var/lib/skiff/volumes/vol/_data' } },
    );
    expect(spec.root.readonly).toBe(true);
    expect(spec.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }]);
    expect(spec.linux.sysctl).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(mountAt(spec, '/dev/shm')?.options).toContain('size=1048576');
    expect(mountAt(spec, '/etc/hosts')?.options).toContain('ro');
    const user = spec.mounts.slice(-3);
    expect(user.map((m) => m.destination)).toEqual(['/data', '/vol', '/data/sub']);
    expect(user[0]?.options).toEqual(['nosuid', 'nodev', 'size=1m']);
    expect(user[2]?.options).toEqual(['rbind', 'ro', 'rprivate']);
    expect(user[1]?.source).toBe('/var/lib/skiff/volumes/vol/_data');
  });

  it('lets a user mount replace a default one and refuses duplicates', () => {
    const spec = buildOciSpec(
      minimalContainerSpec({ mounts: [{ type: 'tmpfs', target: '/dev/shm', options: [] }] }),
      inputs,
    );
    expect(spec.mounts.filter((m) => m.destination === '/dev/shm')).toHaveLength(1);
    expect(mountAt(spec, '/dev/shm')?.source).toBe('tmpfs');
    expect(() =>
      buildOciSpec(
        minimalContainerSpec({
          mounts: [
            { type: 'tmpfs', target: '/x', options: [] },
            { type: 'tmpfs', target: '/x/', options: [] },
          ],
        }),
        inputs,
      ),
    ).toThrow(/Duplicate mount point: \/x/);
  });

  it('chooses namespaces by network, ipc and pid mode', () => {
    const host = buildOciSpec(
      minimalContainerSpec({ networkMode: 'host', ipcMode: 'host', pidMode: 'host' }),
      inputs,
    );
    expect(host.linux.namespaces.map((n) => n.type).sort()).toEqual(['cgroup', 'mount', 'uts']);
    expect(host.hostname).toBe('the-host');
    expect(mountAt(host, '/dev/shm')).toMatchObject({ type: 'bind', source: '/dev/shm' });
    const bridged = buildOciSpec(minimalContainerSpec({ networkMode: 'bridge' }), {
      ...inputs,
      networkNamespacePath: '/run/netns/x',
    });
    expect(bridged.linux.namespaces).toContainEqual({ type: 'network', path: '/run/netns/x' });
    expect(() => buildOciSpec(minimalContainerSpec({ networkMode: 'bridge' }), inputs)).toThrow(
      /network namespace/,
    );
    expect(() =>
      buildOciSpec(
        minimalContainerSpec({ networkMode: 'host', sysctls: { 'net.core.somaxconn': '1' } }),
        inputs,
      ),
    ).toThrow(/host network/);
    expect(() => buildOciSpec(minimalContainerSpec({ sysctls: { 'kernel.panic': '1' } }), inputs)).toThrow(
      /not namespaced/,
    );
  });

  it('sets the console size and TERM for TTYs, and wraps the command with an init', () => {
    const spec = buildOciSpec(
      minimalContainerSpec({
        tty: true,
        consoleSize: { rows: 30, cols: 100 },
        init: true,
        entrypoint: ['/bin/sh'],
      }),
      { ...inputs, initPath: '/usr/bin/tini-static' },
    );
    expect(spec.process.terminal).toBe(true);
    expect(spec.process.consoleSize).toEqual({ height: 30, width: 100 });
    expect(spec.process.env).toContain('TERM=xterm');
    expect(spec.process.args).toEqual(['/sbin/docker-init', '--', '/bin/sh', 'sh']);
    expect(() => buildOciSpec(minimalContainerSpec({ init: true }), inputs)).toThrow(/no init binary/);
  });

  it('refuses empty commands, relative workdirs and bad ulimits with clear errors', () => {
    expect(() => buildOciSpec(minimalContainerSpec({ cmd: [] }), inputs)).toThrow(/no command specified/);
    expect(() => buildOciSpec(minimalContainerSpec({ workingDir: 'rel' }), inputs)).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      buildOciSpec(minimalContainerSpec({ ulimits: [{ name: 'bogus', soft: 1, hard: 1 }] }), inputs),
    ).toThrow(/invalid ulimit type/);
  });
});

describe('buildExecProcess', () => {
  it("takes the container's env and caps and layers the exec's settings on top", () => {
    const container = buildOciSpec(minimalContainerSpec({ env: ['A=1', 'B=2'] }), inputs);
    const proc = buildExecProcess(container, {
      cmd: ['env'],
      env: ['B=3'],
      workingDir: '/tmp',
      user: { uid: 1000, gid: 1000, additionalGids: [], home: '/home/app', username: 'app' },
      tty: true,
    });
    expect(proc.env).toContain('A=1');
    expect(proc.env).toContain('B=3');
    expect(proc.env).toContain('TERM=xterm');
    expect(proc.cwd).toBe('/tmp');
    expect(proc.user.uid).toBe(1000);
    expect(proc.capabilities.bounding).toEqual(container.process.capabilities.bounding);
    expect(proc.noNewPrivileges).toBe(true);
  });
});
