import { describe, expect, it } from 'vitest';
import { createImageSubstitutor, isDockerHubImage, parseImageMap } from './image-substitutor.js';

describe('image substitution', () => {
  it('prefixes Docker Hub images only', () => {
    const sub = createImageSubstitutor({ prefix: 'mirror.local:5000/hub' }, {});
    expect(sub('redis:7')).toBe('mirror.local:5000/hub/redis:7');
    expect(sub('bitnami/redis:7')).toBe('mirror.local:5000/hub/bitnami/redis:7');
    expect(sub('docker.io/library/redis:7')).toBe('mirror.local:5000/hub/redis:7');
    expect(sub('ghcr.io/org/app:1')).toBe('ghcr.io/org/app:1');
    expect(sub('localhost/built:1')).toBe('localhost/built:1');
  });

  it('applies the explicit map before the prefix, matching Hub spellings and implicit :latest', () => {
    const sub = createImageSubstitutor(
      { prefix: 'm/', map: { 'postgres:16': 'internal/pg:16', redis: 'internal/redis:x' } },
      {},
    );
    expect(sub('postgres:16')).toBe('internal/pg:16');
    expect(sub('docker.io/library/postgres:16')).toBe('internal/pg:16');
    expect(sub('redis:latest')).toBe('internal/redis:x');
    expect(sub('nginx:1')).toBe('m/nginx:1');
  });

  it('reads SKIFF_IMAGE_PREFIX and SKIFF_IMAGE_MAP (JSON or pairs); code wins over the environment', () => {
    const env = { SKIFF_IMAGE_PREFIX: 'envmirror', SKIFF_IMAGE_MAP: 'a:1=b:1, c:2=d:2' };
    expect(createImageSubstitutor({}, env)('nginx:1')).toBe('envmirror/nginx:1');
    expect(createImageSubstitutor({}, env)('c:2')).toBe('d:2');
    expect(createImageSubstitutor({ prefix: 'code' }, env)('nginx:1')).toBe('code/nginx:1');
    expect(createImageSubstitutor({}, { TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX: 'tc/' })('x:1')).toBe('tc/x:1');
    expect(parseImageMap('{"a":"b"}')).toEqual({ a: 'b' });
    expect(() => parseImageMap('novalue')).toThrow(/not from=to/);
  });

  it('lets a function have the last word', () => {
    expect(createImageSubstitutor({ substitute: (i) => i.toUpperCase() }, {})('x:1')).toBe('X:1');
    expect(isDockerHubImage('localhost:5000/x')).toBe(false);
  });
});
