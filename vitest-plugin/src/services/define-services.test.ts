import { describe, expect, it } from 'vitest';
import { container } from './container-service.js';
import { defineServices, mergeServices } from './define-services.js';
import { network } from './network-service.js';
import { postgres } from './postgres-service.js';
import { redis } from './redis-service.js';

describe('defineServices', () => {
  it('returns the declarations unchanged', () => {
    const services = { db: postgres(), cache: redis(), net: network(), api: container('busybox:1.35') };
    expect(defineServices(services)).toBe(services);
  });

  it.each([
    ['1db', 'is not valid'],
    ['has space', 'is not valid'],
    ['skiff', 'reserved'],
  ])('refuses the name %j', (name, message) => {
    expect(() => defineServices({ [name]: redis() })).toThrow(message);
  });

  it('refuses values that are not declarations, saying what they are', () => {
    expect(() => defineServices({ db: postgres as never })).toThrow(
      'a function (call it: postgres(), not postgres)',
    );
    expect(() => defineServices({ db: { image: 'postgres' } as never })).toThrow('an object with keys image');
  });

  it('refuses a service declared twice across declaration sets', () => {
    expect(() => mergeServices({ db: postgres() }, { db: postgres(), cache: redis() })).toThrow(
      expect.objectContaining({
        code: 'SKIFF_SERVICE_CONFIG',
        message: expect.stringContaining('"db" is declared twice'),
      }),
    );
    expect(Object.keys(mergeServices({ db: postgres() }, { cache: redis() }))).toEqual(['db', 'cache']);
  });
});

describe('declaration options', () => {
  it('refuses an unknown option with the closest known one', () => {
    expect(() => postgres({ databse: 'app' } as never)).toThrow(
      'unknown postgres() option "databse". Did you mean "database"?',
    );
    expect(() => redis({ pasword: 'x' } as never)).toThrow('Did you mean "password"?');
    expect(() => container('busybox:1.35', { prots: [80] } as never)).toThrow('Did you mean "ports"?');
    expect(() => network({ subnett: '10.9.0.0/24' } as never)).toThrow('Did you mean "subnet"?');
  });

  it('lists the known options when nothing is close', () => {
    expect(() => redis({ zzzzzzzz: 1 } as never)).toThrow(
      /unknown redis\(\) option "zzzzzzzz"\. Known options: image, password/,
    );
  });

  it('checks a Dockerfile source and an empty image name', () => {
    expect(() => container({ contxt: '.' } as never)).toThrow('Did you mean "context"?');
    expect(() => container({} as never)).toThrow('needs a context directory');
    expect(() => container('  ')).toThrow('image name is empty');
  });

  it('records dependencies: the network first, then dependsOn, once each', () => {
    const api = container('busybox:1.35', { network: 'net', dependsOn: ['db', 'net', 'cache'] });
    expect(api.dependsOn).toEqual(['net', 'db', 'cache']);
    expect(api.network).toBe('net');
  });

  it('records fixed host ports only', () => {
    const api = container('busybox:1.35', { ports: [80, '53/udp', { container: 8080, host: 18080 }] });
    expect(api.fixedHostPorts).toEqual([18080]);
  });
});
