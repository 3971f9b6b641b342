import { describe, expect, it } from 'vitest';
import { emptyRequest } from './container-request.js';
import { containerHash, toCreateBody } from './create-body.js';
import { parsePortSpec } from './port.js';

const ctx = {
  image: 'redis:7',
  publishHostIp: '127.0.0.1',
  defaultNetwork: undefined,
  sessionLabels: { 'dev.skiff.session': 's1' },
  extraHosts: [],
};

describe('toCreateBody', () => {
  it('maps the builder options to the create body', () => {
    const r = emptyRequest('redis:7');
    r.command = ['redis-server'];
    r.environment = { A: '1' };
    r.exposedPorts = [
      parsePortSpec(6379),
      parsePortSpec({ container: 80, host: 8080 }),
      parsePortSpec('53/udp'),
    ];
    r.bindMounts = [{ source: '/src', target: '/dst', mode: 'ro' }];
    r.privileged = true;
    r.addedCapabilities = ['NET_ADMIN'];
    r.resources = { memory: 0.5, cpu: 1.5 };
    r.ulimits = { nofile: { soft: 10, hard: undefined } };
    r.healthCheck = { test: ['CMD', 'true'], interval: 100, retries: 3 };
    r.labels = { mine: 'x' };
    const body = toCreateBody(r, ctx);
    expect(body).toMatchObject({
      Image: 'redis:7',
      Cmd: ['redis-server'],
      Env: ['A=1'],
      ExposedPorts: { '6379/tcp': {}, '80/tcp': {}, '53/udp': {} },
      Labels: { mine: 'x', 'dev.skiff.session': 's1' },
      Healthcheck: { Test: ['CMD', 'true'], Interval: 100_000_000, Retries: 3 },
      HostConfig: {
        PortBindings: {
          '6379/tcp': [{ HostPort: '0', HostIp: '127.0.0.1' }],
          '80/tcp': [{ HostPort: '8080', HostIp: '127.0.0.1' }],
          '53/udp': [{ HostPort: '0', HostIp: '127.0.0.1' }],
        },
        Binds: ['/src:/dst:ro'],
        Privileged: true,
        CapAdd: ['NET_ADMIN'],
        Memory: 512 * 1024 * 1024,
        NanoCpus: 1.5e9,
        Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 10 }],
      },
    });
    expect(body.HostConfig.NetworkMode).toBeUndefined();
  });

  it('attaches aliases through NetworkingConfig on user networks only', () => {
    const r = emptyRequest('x');
    r.networkMode = 'my-net';
    r.networkAliases = ['db'];
    expect(toCreateBody(r, ctx).NetworkingConfig).toEqual({
      EndpointsConfig: { 'my-net': { Aliases: ['db'] } },
    });
    r.networkMode = 'host';
    expect(toCreateBody(r, ctx).NetworkingConfig).toBeUndefined();
  });

  it('uses the default network when the request names none', () => {
    expect(toCreateBody(emptyRequest('x'), { ...ctx, defaultNetwork: 'dflt' }).HostConfig.NetworkMode).toBe(
      'dflt',
    );
  });
});

describe('containerHash', () => {
  const hash = (mutate: (r: ReturnType<typeof emptyRequest>) => void, copy?: Buffer) => {
    const r = emptyRequest('redis:7');
    mutate(r);
    return containerHash(toCreateBody(r, ctx), { name: undefined, platform: undefined, copyArchive: copy });
  };

  it('changes with host config and copied content, which testcontainers ignores', () => {
    const base = hash(() => undefined);
    expect(hash(() => undefined)).toBe(base);
    expect(hash((r) => (r.bindMounts = [{ source: '/a', target: '/b' }]))).not.toBe(base);
    expect(hash((r) => (r.tmpfs = { '/t': '' }))).not.toBe(base);
    expect(hash((r) => (r.exposedPorts = [parsePortSpec({ container: 1, host: 2 })]))).not.toBe(base);
    expect(hash(() => undefined, Buffer.from('one'))).not.toBe(hash(() => undefined, Buffer.from('two')));
  });
});
