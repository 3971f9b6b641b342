import { describe, expect, it } from 'vitest';
import { container } from './container-service.js';
import { network } from './network-service.js';
import { postgres } from './postgres-service.js';
import { redis } from './redis-service.js';
import { planServices } from './service-plan.js';

describe('planServices', () => {
  it('orders every service after what it depends on', () => {
    const order = planServices({
      api: container('busybox:1.35', { network: 'net', dependsOn: ['db', 'cache'] }),
      db: postgres({ network: 'net' }),
      cache: redis(),
      net: network(),
    });
    expect(order.indexOf('net')).toBeLessThan(order.indexOf('db'));
    expect(order.indexOf('db')).toBeLessThan(order.indexOf('api'));
    expect(order.indexOf('cache')).toBeLessThan(order.indexOf('api'));
    expect(order).toHaveLength(4);
  });

  it('names a dependency that is not declared', () => {
    expect(() => planServices({ api: container('busybox:1.35', { dependsOn: ['db'] }) })).toThrow(
      'service "api" depends on "db", which is not declared; declared services: api',
    );
  });

  it('refuses a network that is not a network() service', () => {
    expect(() => planServices({ db: postgres(), api: container('busybox:1.35', { network: 'db' }) })).toThrow(
      'joins network "db", which is a postgres service, not a network()',
    );
  });

  it('reports a dependency cycle with its path', () => {
    expect(() =>
      planServices({
        a: container('busybox:1.35', { dependsOn: ['b'] }),
        b: container('busybox:1.35', { dependsOn: ['c'] }),
        c: container('busybox:1.35', { dependsOn: ['a'] }),
      }),
    ).toThrow('services depend on each other in a cycle: a → b → c → a');
    expect(() => planServices({ a: container('busybox:1.35', { dependsOn: ['a'] }) })).toThrow(
      'cycle: a → a',
    );
  });

  it('refuses one host port claimed by two services', () => {
    expect(() =>
      planServices({
        a: container('busybox:1.35', { ports: [{ container: 80, host: 18080 }] }),
        b: container('busybox:1.35', { ports: [{ container: 8080, host: 18080 }] }),
      }),
    ).toThrow('host port 18080 is claimed by both "a" and "b"');
  });
});
