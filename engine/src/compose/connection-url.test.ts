import { describe, expect, it } from 'vitest';
import type { PortConfig } from './compose-model.js';
import { connectionUrl } from './connection-url.js';

const port = (target: number, extra: Partial<PortConfig> = {}): PortConfig => ({
  target,
  published: 0,
  hostIp: '127.0.0.1',
  protocol: 'tcp',
  ...extra,
});

describe('connectionUrl', () => {
  it('builds a postgres URL from the POSTGRES_* environment, escaping what needs it', () => {
    expect(
      connectionUrl({
        service: 'db',
        image: 'postgres:15',
        environment: { POSTGRES_USER: 'notes', POSTGRES_PASSWORD: 'p@ss/w', POSTGRES_DB: 'notes' },
        port: port(5432),
        hostPort: 15432,
      }),
    ).toBe('postgres://notes:p%40ss%2Fw@127.0.0.1:15432/notes');
  });

  it("uses the postgres image's defaults (user postgres, database named after the user)", () => {
    expect(
      connectionUrl({
        service: 'db',
        image: 'docker.io/library/postgres:16@sha256:abc',
        environment: { POSTGRES_PASSWORD: 'x' },
        port: port(5432),
        hostPort: 5000,
      }),
    ).toBe('postgres://postgres:x@127.0.0.1:5000/postgres');
  });

  it('gives redis, app_protocol, udp and everything else their schemes', () => {
    const base = { service: 's', environment: {}, hostPort: 4000 };
    expect(connectionUrl({ ...base, image: 'redis:7', port: port(6379) })).toBe('redis://127.0.0.1:4000');
    expect(connectionUrl({ ...base, image: 'redis:7', port: port(8001) })).toBe('http://127.0.0.1:4000');
    expect(connectionUrl({ ...base, image: 'x', port: port(1, { appProtocol: 'grpc' }) })).toBe(
      'grpc://127.0.0.1:4000',
    );
    expect(connectionUrl({ ...base, image: 'x', port: port(53, { protocol: 'udp' }) })).toBe(
      'udp://127.0.0.1:4000',
    );
    expect(connectionUrl({ ...base, image: 'x', port: port(80, { hostIp: '0.0.0.0' }) })).toBe(
      'http://127.0.0.1:4000',
    );
    expect(connectionUrl({ ...base, image: 'x', port: port(80, { hostIp: '::1' }) })).toBe(
      'http://[::1]:4000',
    );
  });
});
