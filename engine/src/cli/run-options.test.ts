import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toContainerCreateInput } from '../api/wire/container-create-mapper.js';
import type { CreateFlags } from './run-flags.js';
import { parseMountFlag, parsePublish, resolveBind, toCreateBody } from './run-options.js';
import { parseBytes, parseDurationNs, parseTimestampFlag, UsageError } from './units.js';

function flags(overrides: Partial<CreateFlags> = {}): CreateFlags {
  return {
    env: [],
    envFile: [],
    label: [],
    volume: [],
    mount: [],
    tmpfs: [],
    capAdd: [],
    capDrop: [],
    networkAlias: [],
    publish: [],
    expose: [],
    addHost: [],
    ulimit: [],
    securityOpt: [],
    healthcheck: true,
    dns: [],
    sysctl: [],
    groupAdd: [],
    logOpt: [],
    ...overrides,
  };
}

describe('-p/--publish', () => {
  it.each([
    ['80', [['80/tcp', { HostIp: '', HostPort: '' }]]],
    ['8080:80', [['80/tcp', { HostIp: '', HostPort: '8080' }]]],
    ['127.0.0.1:8080:80/udp', [['80/udp', { HostIp: '127.0.0.1', HostPort: '8080' }]]],
    ['127.0.0.1::80', [['80/tcp', { HostIp: '127.0.0.1', HostPort: '' }]]],
    ['[::1]:8080:80', [['80/tcp', { HostIp: '::1', HostPort: '8080' }]]],
    [
      '8000-8001:80-81',
      [
        ['80/tcp', { HostIp: '', HostPort: '8000' }],
        ['81/tcp', { HostIp: '', HostPort: '8001' }],
      ],
    ],
  ])('parses %s', (spec, want) => {
    expect(parsePublish(spec).map((p) => [p.key, p.binding])).toEqual(want);
  });

  it.each(['80/sctp', '8000-8002:80-81', 'a:b:c:d', '99999'])('rejects %s', (spec) => {
    expect(() => parsePublish(spec)).toThrow(UsageError);
  });
});

describe('--mount', () => {
  it('parses the CSV form', () => {
    expect(parseMountFlag('type=bind,source=/srv,target=/data,readonly,bind-propagation=rslave')).toEqual({
      Type: 'bind',
      Source: '/srv',
      Target: '/data',
      ReadOnly: true,
      BindOptions: { Propagation: 'rslave' },
    });
    expect(parseMountFlag('type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777')).toEqual({
      Type: 'tmpfs',
      Target: '/t',
      TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 },
    });
    expect(() => parseMountFlag('type=bind,source=/a')).toThrow(/target is required/);
    expect(() => parseMountFlag('type=bind,bogus=1,target=/a')).toThrow(/unexpected key 'bogus'/);
  });
});

describe('units', () => {
  it('parses sizes, durations and log timestamps like the docker CLI', () => {
    expect(parseBytes('512m', '-m')).toBe(512 * 1024 * 1024);
    expect(parseBytes('1.5g', '-m')).toBe(1.5 * 1024 ** 3);
    expect(parseBytes('64MiB', '-m')).toBe(64 * 1024 * 1024);
    expect(parseBytes('1024', '-m')).toBe(1024);
    expect(() => parseBytes('lots', '-m')).toThrow(UsageError);
    expect(parseDurationNs('1m30s', 'x')).toBe(90e9);
    expect(parseDurationNs('500ms', 'x')).toBe(500e6);
    expect(() => parseDurationNs('10', 'x')).toThrow(UsageError);
    expect(parseTimestampFlag('1704067200', '--since')).toBe('1704067200');
    expect(parseTimestampFlag('2024-01-01T00:00:00Z', '--since')).toBe('1704067200.000000000');
    expect(parseTimestampFlag('10m', '--since', 1_704_067_800_000)).toBe('1704067200.000000000');
  });
});

describe('run flags → create body', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-run-opts-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds a body the engine maps to the intended container', async () => {
    const envFile = path.join(dir, 'env');
    await writeFile(envFile, '# comment\nFROM_FILE=1\n\nINHERITED\nMISSING_VAR\n');
    const body = toCreateBody(
      'busybox',
      ['sh', '-c', 'echo hi'],
      flags({
        rm: true,
        interactive: true,
        tty: true,
        env: ['A=1', 'INHERITED'],
        envFile: [envFile],
        workdir: '/work',
        user: '1000:1000',
        hostname: 'box',
        label: ['team=a', 'flag'],
        entrypoint: '',
        volume: ['./data:/data:ro', 'named:/named'],
        tmpfs: ['/run:size=1m'],
        readOnly: true,
        memory: '64m',
        cpus: '1.5',
        pidsLimit: '100',
        privileged: false,
        capAdd: ['NET_ADMIN'],
        capDrop: ['MKNOD'],
        restart: 'on-failure:3',
        network: 'none',
        publish: ['8080:80'],
        addHost: ['db:10.0.0.2'],
        ulimit: ['nofile=1024:2048'],
        shmSize: '128m',
        securityOpt: ['no-new-privileges'],
        healthCmd: 'true',
        healthInterval: '5s',
      }),
      { attach: true, env: { INHERITED: 'yes' }, cwd: '/home/u', consoleSize: [24, 80] },
    );
    expect(body.Env).toEqual(['FROM_FILE=1', 'INHERITED=yes', 'A=1', 'INHERITED=yes']);
    expect(body.Entrypoint).toEqual(['']);
    expect(body.HostConfig?.Binds).toEqual(['/home/u/data:/data:ro', 'named:/named']);
    const input = toContainerCreateInput(JSON.parse(JSON.stringify(body)), { name: 'x' });
    expect(input).toMatchObject({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo hi'],
      entrypoint: [''],
      tty: true,
      openStdin: true,
      stdinOnce: true,
      attachStdin: true,
      workingDir: '/work',
      user: '1000:1000',
      hostname: 'box',
      labels: { team: 'a', flag: '' },
      readonlyRootfs: true,
      resources: { memory: 64 * 1024 * 1024, nanoCpus: 1.5e9, pidsLimit: 100 },
      capAdd: ['NET_ADMIN'],
      capDrop: ['MKNOD'],
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
      networkMode: 'none',
      extraHosts: ['db:10.0.0.2'],
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      shmSize: 128 * 1024 * 1024,
      securityOpt: ['no-new-privileges'],
      autoRemove: true,
      consoleSize: { rows: 24, cols: 80 },
      healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9 },
    });
    expect(input.mounts).toEqual([
      { type: 'bind', source: '/home/u/data', target: '/data', readOnly: true },
      { type: 'volume', name: 'named', target: '/named', readOnly: false, anonymous: false },
      { type: 'tmpfs', target: '/run', options: ['size=1m'] },
    ]);
  });

  it('does not attach stdio for -d and create, and disables health checks with --no-healthcheck', () => {
    const body = toCreateBody('busybox', [], flags({ healthcheck: false }), {
      attach: false,
      env: {},
      cwd: '/',
    });
    expect(body).toMatchObject({ AttachStdout: false, AttachStderr: false, AttachStdin: false, Cmd: null });
    expect(body.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(resolveBind('/abs:/x', '/cwd')).toBe('/abs:/x');
    expect(resolveBind('../up:/x', '/cwd/sub')).toBe('/cwd/up:/x');
  });

  it('puts --network-alias and --ip on the endpoint of --network, and host-gateway into ExtraHosts', () => {
    const body = toCreateBody(
      'busybox',
      [],
      flags({
        network: 'app',
        networkAlias: ['db'],
        ip: '10.211.0.9',
        addHost: ['host.docker.internal:host-gateway'],
      }),
      { attach: false, env: {}, cwd: '/' },
    );
    expect(body.HostConfig?.NetworkMode).toBe('app');
    expect(body.HostConfig?.ExtraHosts).toEqual(['host.docker.internal:host-gateway']);
    expect(body.NetworkingConfig).toEqual({
      EndpointsConfig: { app: { Aliases: ['db'], IPAMConfig: { IPv4Address: '10.211.0.9' } } },
    });
    const input = toContainerCreateInput(body, {});
    expect(input.endpoints).toEqual([{ network: 'app', aliases: ['db'], ipv4Address: '10.211.0.9' }]);
  });
});

describe('--log-driver and --log-opt', () => {
  it('send HostConfig.LogConfig as the docker CLI does, and the engine reads it back', () => {
    const body = toCreateBody('busybox', [], flags({ logOpt: ['max-size=1m', 'max-file=2'] }), {
      attach: false,
      env: {},
      cwd: '/',
    });
    expect(body.HostConfig?.LogConfig).toEqual({ Type: '', Config: { 'max-size': '1m', 'max-file': '2' } });
    expect(toContainerCreateInput(body, {})).toMatchObject({
      logOptions: { 'max-size': '1m', 'max-file': '2' },
    });
    const none = toCreateBody('busybox', [], flags({ logDriver: 'none' }), {
      attach: false,
      env: {},
      cwd: '/',
    });
    expect(toContainerCreateInput(none, {})).toMatchObject({ logDriver: 'none' });
    const plain = toCreateBody('busybox', [], flags(), { attach: false, env: {}, cwd: '/' });
    expect(plain.HostConfig?.LogConfig).toBeUndefined();
  });
});
