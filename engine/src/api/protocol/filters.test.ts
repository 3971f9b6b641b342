import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { assertFilterKeys, matchLabels, parseFilters } from './filters.js';
import { boolParam, parseBool, timestampParam } from './form-values.js';
import { parseRegistryAuthHeader, parseRegistryConfigHeader } from './registry-auth-header.js';

describe('Docker filters', () => {
  it('accepts the Go client map of maps and the dockerode map of arrays alike', () => {
    expect(parseFilters('{"label":{"a=b":true,"c":true},"status":{"running":true}}')).toEqual({
      label: ['a=b', 'c'],
      status: ['running'],
    });
    expect(parseFilters('{"label":["a=b","c"],"status":["running"]}')).toEqual({
      label: ['a=b', 'c'],
      status: ['running'],
    });
  });

  it('treats an empty value as no filters and rejects malformed ones with 400', () => {
    expect(parseFilters('')).toEqual({});
    expect(parseFilters(null)).toEqual({});
    expect(() => parseFilters('{nope')).toThrow(InvalidArgumentError);
    expect(() => parseFilters('[1]')).toThrow(InvalidArgumentError);
    expect(() => parseFilters('{"label":[1]}')).toThrow(InvalidArgumentError);
    expect(() => assertFilterKeys({ bogus: ['x'] }, ['label'])).toThrow("invalid filter 'bogus'");
  });

  it('matches labels by presence and by value, all of them', () => {
    const labels = { a: 'b', c: '' };
    expect(matchLabels(labels, ['a=b', 'c'])).toBe(true);
    expect(matchLabels(labels, ['a=x'])).toBe(false);
    expect(matchLabels(labels, ['a=b', 'missing'])).toBe(false);
    expect(matchLabels(labels, undefined)).toBe(true);
  });
});

describe('form values', () => {
  it("parses booleans as moby's BoolValue does", () => {
    for (const falsy of ['', '0', 'no', 'false', 'none', 'FALSE', ' No '])
      expect(parseBool(falsy)).toBe(false);
    for (const truthy of ['1', 'true', 'yes', 'anything']) expect(parseBool(truthy)).toBe(true);
    const q = new URLSearchParams('stream=&all=1');
    expect(boolParam(q, 'stream', true)).toBe(false);
    expect(boolParam(q, 'missing', true)).toBe(true);
    expect(boolParam(q, 'all')).toBe(true);
  });

  it('reads since/until as fractional unix seconds or RFC 3339', () => {
    expect(timestampParam(new URLSearchParams('since=1704067200.500000000'), 'since')).toBe(1704067200.5);
    expect(timestampParam(new URLSearchParams('since=2024-01-01T00:00:00Z'), 'since')).toBe(1704067200);
    expect(() => timestampParam(new URLSearchParams('since=yesterday'), 'since')).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('registry auth headers', () => {
  const json = JSON.stringify({ username: 'u?>', password: 'p~~~', serveraddress: 'localhost:5000' });

  it('decodes X-Registry-Auth in the URL alphabet (dockerode) and the standard one', () => {
    const std = Buffer.from(json).toString('base64');
    const url = Buffer.from(json).toString('base64url');
    expect(std).toMatch(/[+/]/);
    const want = { username: 'u?>', password: 'p~~~', serveraddress: 'localhost:5000' };
    expect(parseRegistryAuthHeader(std)).toEqual(want);
    expect(parseRegistryAuthHeader(url)).toEqual(want);
    expect(parseRegistryAuthHeader(`${url}=`.replace(/=+$/, '='))).toEqual(want);
  });

  it('treats e30= ({}) and an absent header as anonymous, and matches keys case-insensitively', () => {
    expect(parseRegistryAuthHeader('e30=')).toBeUndefined();
    expect(parseRegistryAuthHeader(undefined)).toBeUndefined();
    const tc = Buffer.from(JSON.stringify({ username: 'a', password: 'b', registryAddress: 'r' })).toString(
      'base64url',
    );
    expect(parseRegistryAuthHeader(tc)).toEqual({ username: 'a', password: 'b', serveraddress: 'r' });
    expect(() => parseRegistryAuthHeader('!!notbase64!!')).toThrow(InvalidArgumentError);
  });

  it('decodes X-Registry-Config maps written with either alphabet', () => {
    const map = { 'localhost:5000': { username: 'u?>', password: 'p>>?' } };
    const raw = JSON.stringify(map);
    expect(parseRegistryConfigHeader(Buffer.from(raw).toString('base64'))).toEqual(map);
    expect(parseRegistryConfigHeader(Buffer.from(raw).toString('base64url'))).toEqual(map);
    expect(parseRegistryConfigHeader('e30=')).toEqual({});
  });
});
