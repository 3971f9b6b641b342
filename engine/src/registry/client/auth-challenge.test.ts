import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './auth-challenge.js';

describe('parseWwwAuthenticate', () => {
  it("parses Docker Hub's bearer challenge", () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/redis:pull',
        },
      },
    ]);
  });

  it('parses several challenges, unquoted values, escapes and multi-action scopes', () => {
    expect(
      parseWwwAuthenticate(
        'Basic realm="a \\"b\\"", Bearer realm=https://t/x, scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', scope: 'repository:a/b:pull,push' } },
    ]);
  });

  it('yields nothing for an empty header', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
  });
});
