import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { toContainerCreateInput } from './container-create-mapper.js';

describe('create body → ContainerCreateInput', () => {
  it('maps the body testcontainers sends for a full builder chain', () => {
    const body = {
      name: 'ignored-in-body',
      platform: 'ignored',
      Image: 'redis:7',
      Cmd: ['redis-server', '--save', ''],
      Entrypoint: ['docker-entrypoint.sh'],
      Env: ['A=1', 'B=2'],
      ExposedPorts: { '6379/tcp': {}, '53/udp': {} },
      Labels: { 'org.testcontainers': 'true' },
      Healthcheck: {
        Test: ['CMD-SHELL', 'redis-cli ping'],
        Interval: 1e9,
        Timeout: 3e9,
        Retries: 5,
        StartPeriod: 0,
      },
      User: 'redis',
      WorkingDir: '/data',
      Hostname: 'cache',
      UnknownTopLevel: { whatever: true },
      HostConfig: {
        AutoRemove: false,
        PortBindings: {
          '6379/tcp': [{ HostPort: '0' }],
          '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
        },
        Binds: ['/srv/data:/data:ro', 'named:/named', '/anon'],
        Tmpfs: { '/run': 'rw,size=64m' },
        ExtraHosts: ['host.testcontainers.internal:10.0.0.1'],
        NetworkMode: 'mynet',
        Privileged: true,
        CapAdd: ['NET_ADMIN'],
        CapDrop: ['MKNOD'],
        Memory: 512 * 1024 * 1024,
        NanoCpus: 1.5e9,
        ShmSize: 128 * 1024 * 1024,
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
        SecurityOpt: ['no-new-privileges'],
        IpcMode: 'private',
        LogConfig: { Type: 'json-file', Config: {} },
        PidsLimit: -1,
        SomethingNew: 42,
      },
    };
    const input = toContainerCreateInput(body, { name: 'cache-1', platform: 'linux/amd64' });
    expect(input).toMatchObject({
      image: 'redis:7',
      name: 'cache-1',
      platform: 'linux/amd64',
      cmd: ['redis-server', '--save', ''],
      entrypoint: ['docker-entrypoint.sh'],
      env: ['A=1', 'B=2'],
      labels: { 'org.testcontainers': 'true' },
      healthcheck: { Test: ['CMD-SHELL', 'redis-cli ping'], Interval: 1e9, Timeout: 3e9, Retries: 5 },
      user: 'redis',
      workingDir: '/data',
      hostname: 'cache',
      exposedPorts: [
        { containerPort: 6379, protocol: 'tcp' },
        { containerPort: 53, protocol: 'udp' },
      ],
      portBindings: [
        { containerPort: 6379, protocol: 'tcp', hostIp: '', hostPort: 0 },
        { containerPort: 53, protocol: 'udp', hostIp: '0.0.0.0', hostPort: 5353 },
      ],
      mounts: [
        { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
        { type: 'volume', name: 'named', target: '/named', readOnly: false, anonymous: false },
        { type: 'volume', name: '', target: '/anon', readOnly: false, anonymous: true },
        { type: 'tmpfs', target: '/run', options: ['rw', 'size=64m'] },
      ],
      extraHosts: ['host.testcontainers.internal:10.0.0.1'],
      networkMode: 'mynet',
      endpoints: [{ network: 'mynet', aliases: [] }],
      privileged: true,
      capAdd: ['NET_ADMIN'],
      capDrop: ['MKNOD'],
      resources: { memory: 512 * 1024 * 1024, nanoCpus: 1.5e9 },
      shmSize: 128 * 1024 * 1024,
      ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
      securityOpt: ['no-new-privileges'],
      ipcMode: 'private',
      logDriver: 'json-file',
      autoRemove: false,
    });
    expect(input.resources?.pidsLimit).toBeUndefined();
  });

  it('maps what `docker run -it --rm -p 8080:80 --restart …` sends', () => {
    const input = toContainerCreateInput(
      {
        Image: 'alpine',
        Tty: true,
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Cmd: 'sh',
        Entrypoint: null,
        Env: [],
        HostConfig: {
          ConsoleSize: [40, 120],
          NetworkMode: 'default',
          RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
          Mounts: [
            {
              Type: 'bind',
              Source: '/srv',
              Target: '/srv',
              ReadOnly: true,
              BindOptions: { Propagation: 'rslave' },
            },
            { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
            { Type: 'volume', Target: '/v' },
          ],
        },
        NetworkingConfig: { EndpointsConfig: { bridge: { Aliases: ['web'] } } },
      },
      {},
    );
    expect(input.tty).toBe(true);
    expect(input.cmd).toEqual(['sh']);
    expect(input.entrypoint).toBeUndefined();
    expect(input.consoleSize).toEqual({ rows: 40, cols: 120 });
    expect(input.networkMode).toBe('bridge');
    expect(input.endpoints).toEqual([{ network: 'bridge', aliases: ['web'] }]);
    expect(input.restartPolicy).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(input.portBindings).toEqual([{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }]);
    expect(input.mounts).toEqual([
      { type: 'bind', source: '/srv', target: '/srv', readOnly: true, propagation: 'rslave' },
      { type: 'tmpfs', target: '/scratch', options: ['size=1048576', 'mode=1777'] },
      { type: 'volume', name: '', target: '/v', readOnly: false, anonymous: true },
    ]);
  });

  it('keeps an explicit empty entrypoint (it clears the image one) and drops an empty Cmd', () => {
    expect(toContainerCreateInput({ Image: 'x', Entrypoint: [''], Cmd: [] }, {})).toMatchObject({
      entrypoint: [''],
    });
    expect(toContainerCreateInput({ Image: 'x', Cmd: [] }, {}).cmd).toBeUndefined();
  });

  it('discards published ports in host mode and refuses them in container mode', () => {
    const host = toContainerCreateInput(
      { Image: 'x', HostConfig: { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } } },
      {},
    );
    expect(host.portBindings).toBeUndefined();
    expect(host.endpoints).toEqual([]);
    expect(() =>
      toContainerCreateInput(
        { Image: 'x', HostConfig: { NetworkMode: 'container:abc', PortBindings: { '80/tcp': [{}] } } },
        {},
      ),
    ).toThrow(/conflicting options/);
  });

  it.each([
    [undefined, /config cannot be empty/],
    ['a string', /expected a JSON object/],
    [{}, /needs "Image"/],
    [{ Image: 5 }, /invalid Image: expected a string/],
    [{ Image: 'x', Env: 'A=1' }, /invalid Env: expected a list of strings/],
    [{ Image: 'x', ExposedPorts: { '99999/tcp': {} } }, /the port must be 1-65535/],
    [{ Image: 'x', ExposedPorts: { '80/sctp': {} } }, /protocol must be tcp or udp/],
    [
      { Image: 'x', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8000-8010' }] } } },
      /ranges are not supported/,
    ],
    [
      { Image: 'x', HostConfig: { Binds: ['relative/path:/x'] } },
      /invalid characters for a local volume name/,
    ],
    [{ Image: 'x', HostConfig: { Binds: ['/a:relative'] } }, /must be an absolute path/],
    [{ Image: 'x', HostConfig: { Binds: ['/a:/b:bogus'] } }, /unknown mode 'bogus'/],
    [{ Image: 'x', HostConfig: { Binds: ['/a:/b', '/c:/b'] } }, /Duplicate mount point: \/b/],
    [
      { Image: 'x', HostConfig: { Mounts: [{ Type: 'npipe', Target: '/x' }] } },
      /mount type "npipe" is not supported/,
    ],
    [{ Image: 'x', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }, /unknown policy 'sometimes'/],
    [{ Image: 'x', HostConfig: { Memory: 1024 } }, /Minimum memory limit allowed is 6MB/],
    [{ Image: 'x', HostConfig: { Memory: 'lots' } }, /HostConfig.Memory: expected a number/],
    [
      { Image: 'x', HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 5 }] } },
      /soft limit 10 is greater/,
    ],
    [{ Image: 'x', Healthcheck: { Test: ['BOGUS'] } }, /must be NONE, CMD or CMD-SHELL/],
    [{ Image: 'x', Healthcheck: { Test: ['CMD', 'true'], Interval: 10 } }, /shorter than the minimum of 1ms/],
  ])('rejects %j with a 400 naming the field', (body, message) => {
    let caught: unknown;
    try {
      toContainerCreateInput(body, {});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as Error).message).toMatch(message);
  });
});
