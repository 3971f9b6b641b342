import { describe, expect, it } from 'vitest';
import { parseLogConfig } from './log-options.js';

describe('parseLogConfig', () => {
  it('reads max-size with docker units and max-file, defaulting to one file', () => {
    expect(parseLogConfig('json-file', { 'max-size': '10m', 'max-file': '3' })).toEqual({
      maxSize: 10 * 1024 * 1024,
      maxFiles: 3,
    });
    expect(parseLogConfig('local', { 'max-size': '512k' })).toEqual({ maxSize: 512 * 1024, maxFiles: 1 });
    expect(parseLogConfig('json-file', { 'max-size': '1500' })).toEqual({ maxSize: 1500, maxFiles: 1 });
  });

  it('has no limits without max-size, and accepts the options that change nothing here', () => {
    expect(parseLogConfig('json-file', {})).toBeUndefined();
    expect(parseLogConfig('json-file', { 'max-size': '-1', compress: 'true', tag: 'x' })).toBeUndefined();
    expect(parseLogConfig('none', {})).toBeUndefined();
  });

  it('refuses unknown drivers and options, bad sizes and counts, by name', () => {
    expect(() => parseLogConfig('syslog', {})).toThrow(/no log driver named 'syslog'/);
    expect(() => parseLogConfig('json-file', { 'max-sise': '1m' })).toThrow(
      "unknown log opt 'max-sise' for json-file log driver",
    );
    expect(() => parseLogConfig('none', { 'max-size': '1m' })).toThrow(/unknown log opt 'max-size' for none/);
    expect(() => parseLogConfig('json-file', { 'max-size': 'ten' })).toThrow(
      /invalid log opt max-size "ten"/,
    );
    expect(() => parseLogConfig('json-file', { 'max-size': '0' })).toThrow(/max-size "0"/);
    expect(() => parseLogConfig('json-file', { 'max-size': '1m', 'max-file': '0' })).toThrow(
      /invalid log opt max-file "0"/,
    );
    expect(() => parseLogConfig('json-file', { 'max-file': '3' })).toThrow(
      'max-file cannot be set without max-size',
    );
  });
});
