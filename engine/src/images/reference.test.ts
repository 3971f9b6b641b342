import { describe, expect, it } from 'vitest';
import {
  familiarName,
  familiarRepository,
  formatReference,
  normalizeReference,
  parseReference,
  repositoryName,
  withTag,
} from './reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseReference (Docker normalisation)', () => {
  it.each([
    ['redis', 'docker.io/library/redis:latest'],
    ['redis:7', 'docker.io/library/redis:7'],
    ['library/redis', 'docker.io/library/redis:latest'],
    ['bitnami/redis:7.2', 'docker.io/bitnami/redis:7.2'],
    ['docker.io/redis', 'docker.io/library/redis:latest'],
    ['index.docker.io/library/redis:7', 'docker.io/library/redis:7'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:1', 'localhost:5000/app:1'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000/team/app:latest'],
    ['ghcr.io/org/sub/app:v1.2.3', 'ghcr.io/org/sub/app:v1.2.3'],
    ['Registry.Example.com/app', 'Registry.Example.com/app:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    [`redis@${DIGEST}`, `docker.io/library/redis@${DIGEST}`],
    [`redis:7@${DIGEST}`, `docker.io/library/redis:7@${DIGEST}`],
    ['my_app__x.y-z', 'docker.io/library/my_app__x.y-z:latest'],
  ])('%s → %s', (input, canonical) => {
    expect(normalizeReference(input)).toBe(canonical);
  });

  it('splits the parts', () => {
    expect(parseReference('localhost:5000/team/app:1')).toEqual({
      domain: 'localhost:5000',
      path: 'team/app',
      tag: '1',
      digest: undefined,
    });
    expect(parseReference(`app@${DIGEST}`)).toMatchObject({ tag: undefined, digest: DIGEST });
  });

  it.each([
    ['', /empty/],
    ['Redis', /lowercase/],
    ['redis:', /not a valid tag/],
    ['redis:-bad', /not a valid tag/],
    [`redis:${'t'.repeat(129)}`, /not a valid tag/],
    ['redis@sha256:abc', /not a digest/],
    ['-redis', /not allowed/],
    ['a//b', /not allowed/],
    ['team/app_', /not allowed/],
    ['bad_host:5000x/app', /not a valid registry host|not allowed|not a valid tag/],
    ['docker.io/', /empty/],
    ['x'.repeat(400), /too long/],
  ])('rejects %j', (input, why) => {
    expect(() => parseReference(input)).toThrow(why);
    try {
      parseReference(input);
    } catch (err) {
      expect(err).toMatchObject({
        code: 'SKIFF_INVALID_ARGUMENT',
        message: expect.stringContaining('invalid reference format'),
      });
    }
  });
});

describe('formatting', () => {
  it('prints familiar names the way the docker CLI does', () => {
    expect(familiarName(parseReference('redis'))).toBe('redis:latest');
    expect(familiarName(parseReference('docker.io/bitnami/redis:7'))).toBe('bitnami/redis:7');
    expect(familiarName(parseReference('localhost:5000/app:1'))).toBe('localhost:5000/app:1');
    expect(familiarName(parseReference(`redis@${DIGEST}`))).toBe(`redis@${DIGEST}`);
    expect(familiarRepository(parseReference('redis:7'))).toBe('redis');
    expect(repositoryName(parseReference('redis:7'))).toBe('docker.io/library/redis');
  });

  it('replaces a digest by a tag with withTag', () => {
    expect(formatReference(withTag(parseReference(`redis@${DIGEST}`), '7'))).toBe(
      'docker.io/library/redis:7',
    );
  });
});
