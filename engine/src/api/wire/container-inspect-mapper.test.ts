import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../containers/container-record.js';
import type { ContainerSpec } from '../../containers/container-spec.js';
import type { Digest } from '../../content/digest.js';
import { minimalContainerSpec } from '../../runtime/minimal-container-spec.js';
import { statusText, toContainerInspect, toContainerSummary } from './container-inspect-mapper.js';
import { humanDuration, humanSize } from './human-duration.js';

const IMAGE_ID = `sha256:${'ab'.repeat(32)}` as Digest;

/** A redis-like container on the default bridge with a published port, a bind and a tmpfs. */
function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return minimalContainerSpec({
    name: 'web',
    image: 'redis:7',
    imageId: IMAGE_ID,
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['redis-server'],
    env: ['PATH=/usr/bin'],
    workingDir: '/data',
    hostname: 'abc123',
    labels: { team: 'a' },
    exposedPorts: [
      { containerPort: 6379, protocol: 'tcp' },
      { containerPort: 9000, protocol: 'tcp' },
    ],
    mounts: [
      { type: 'bind', source: '/srv', target: '/srv', readOnly: true },
      { type: 'tmpfs', target: '/run', options: ['size=1m'] },
    ],
    resources: { memory: 64 * 1024 * 1024 },
    shmSize: 64 * 1024 * 1024,
    networkMode: 'bridge',
    endpoints: [{ network: 'bridge', aliases: ['cache'] }],
    portBindings: [{ containerPort: 6379, protocol: 'tcp', hostIp: '', hostPort: 0 }],
    ...overrides,
  });
}

function record(state: Partial<ContainerRecord['state']> = {}): ContainerRecord {
  return {
    id: 'c0ffee'.repeat(10).slice(0, 64),
    created: '2024-01-01T00:00:00.000Z',
    spec: spec(),
    state: {
      status: 'running',
      pid: 4242,
      exitCode: 0,
      error: '',
      oomKilled: false,
      startedAt: '2024-01-01T00:00:01.000Z',
      finishedAt: '0001-01-01T00:00:00Z',
      restartCount: 0,
      health: undefined,
      ...state,
    },
    path: 'docker-entrypoint.sh',
    args: ['redis-server'],
    ports: [
      { containerPort: 6379, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 32768 },
      { containerPort: 6379, protocol: 'tcp', hostIp: '::1', hostPort: 32768 },
    ],
    endpoints: [
      {
        networkId: 'n1',
        networkName: 'bridge',
        endpointId: 'e1',
        ipAddress: '10.88.0.2',
        prefixLen: 16,
        gateway: '10.88.0.1',
        macAddress: '02:42:0a:58:00:02',
        aliases: ['cache'],
      },
    ],
    mounts: [
      { type: 'bind', source: '/srv', destination: '/srv', mode: 'ro', rw: false, propagation: 'rprivate' },
    ],
    hostsPath: '/state/hosts',
    hostnamePath: '/state/hostname',
    resolvConfPath: '/state/resolv.conf',
    logPath: '/state/log',
    runtime: 'crun',
  };
}

describe('ContainerRecord → inspect JSON', () => {
  it('has the fields testcontainers and the docker CLI read', () => {
    const wire = toContainerInspect(record({ health: { status: 'healthy', failingStreak: 0, log: [] } }));
    expect(wire.Name).toBe('/web');
    expect(wire.Image).toBe(IMAGE_ID);
    expect(wire.Path).toBe('docker-entrypoint.sh');
    expect(wire.Args).toEqual(['redis-server']);
    expect(wire.State).toMatchObject({
      Status: 'running',
      Running: true,
      Paused: false,
      Pid: 4242,
      StartedAt: '2024-01-01T00:00:01.000Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      Health: { Status: 'healthy', FailingStreak: 0, Log: [] },
    });
    expect(wire.NetworkSettings.Ports).toEqual({
      '6379/tcp': [
        { HostIp: '127.0.0.1', HostPort: '32768' },
        { HostIp: '::1', HostPort: '32768' },
      ],
      '9000/tcp': null,
    });
    expect(wire.NetworkSettings.Networks.bridge).toMatchObject({
      NetworkID: 'n1',
      IPAddress: '10.88.0.2',
      Gateway: '10.88.0.1',
      Aliases: ['cache'],
    });
    expect(wire.NetworkSettings.IPAddress).toBe('10.88.0.2');
    expect(wire.Config).toMatchObject({
      Hostname: 'abc123',
      Image: 'redis:7',
      Labels: { team: 'a' },
      Tty: false,
      ExposedPorts: { '6379/tcp': {}, '9000/tcp': {} },
    });
    expect(wire.HostConfig).toMatchObject({
      PortBindings: { '6379/tcp': [{ HostIp: '', HostPort: '' }] },
      Binds: ['/srv:/srv:ro'],
      Tmpfs: { '/run': 'size=1m' },
      Memory: 64 * 1024 * 1024,
      NetworkMode: 'bridge',
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    });
    expect(wire.Mounts).toEqual([
      { Type: 'bind', Source: '/srv', Destination: '/srv', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    ]);
    expect(wire.RestartCount).toBe(0);
    expect(JSON.parse(JSON.stringify(wire))).toMatchObject({ Created: '2024-01-01T00:00:00.000Z' });
  });

  it('reports no ports for a stopped container, as Docker does', () => {
    const wire = toContainerInspect(record({ status: 'exited', pid: 0, exitCode: 3 }));
    expect(wire.NetworkSettings.Ports).toEqual({});
    expect(wire.State).toMatchObject({ Running: false, ExitCode: 3, Status: 'exited' });
  });
});

describe('ContainerRecord → list item', () => {
  const now = Date.parse('2024-01-01T00:00:06.000Z');

  it('has Names with a slash, the command, ports and Docker status text', () => {
    const item = toContainerSummary(record(), now);
    expect(item.Names).toEqual(['/web']);
    expect(item.Command).toBe('docker-entrypoint.sh redis-server');
    expect(item.Created).toBe(1704067200);
    expect(item.Status).toBe('Up 5 seconds');
    expect(item.Ports).toEqual([
      { IP: '127.0.0.1', PrivatePort: 6379, PublicPort: 32768, Type: 'tcp' },
      { IP: '::1', PrivatePort: 6379, PublicPort: 32768, Type: 'tcp' },
      { PrivatePort: 9000, Type: 'tcp' },
    ]);
  });

  it.each([
    [
      { status: 'exited', exitCode: 137, finishedAt: '2024-01-01T00:00:03.000Z' },
      'Exited (137) 3 seconds ago',
    ],
    [{ status: 'created', startedAt: '0001-01-01T00:00:00Z' }, 'Created'],
    [{ status: 'paused' }, 'Up 5 seconds (Paused)'],
    [
      { status: 'running', health: { status: 'starting', failingStreak: 0, log: [] } },
      'Up 5 seconds (health: starting)',
    ],
    [
      { status: 'running', health: { status: 'unhealthy', failingStreak: 3, log: [] } },
      'Up 5 seconds (unhealthy)',
    ],
    [{ status: 'removing' }, 'Removal In Progress'],
    [{ status: 'dead' }, 'Dead'],
  ] as const)('status %j reads %s', (state, text) => {
    expect(statusText(record(state as Partial<ContainerRecord['state']>).state, now)).toBe(text);
  });
});

describe('go-units text', () => {
  it.each([
    [500, 'Less than a second'],
    [1000, '1 second'],
    [59_000, '59 seconds'],
    [60_000, 'About a minute'],
    [45 * 60_000, '45 minutes'],
    [3_600_000, 'About an hour'],
    [5 * 3_600_000, '5 hours'],
    [3 * 86_400_000, '3 days'],
    [20 * 86_400_000, '2 weeks'],
    [90 * 86_400_000, '3 months'],
    [800 * 86_400_000, '2 years'],
  ])('humanDuration(%d) = %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it.each([
    [512, '512B'],
    [4100, '4.1kB'],
    [7_800_000, '7.8MB'],
    [1_234_567_890, '1.23GB'],
  ])('humanSize(%d) = %s', (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });
});
