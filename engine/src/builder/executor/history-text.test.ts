import { describe, expect, it } from 'vitest';
import {
  goDuration,
  goList,
  goQuote,
  goQuoteList,
  healthText,
  nopText,
  nopTextSingle,
} from './history-text.js';

describe('history text in the classic builder’s shapes', () => {
  it('joins nop comments with two spaces for metadata and one for COPY/ADD/WORKDIR', () => {
    expect(nopText(['/bin/sh', '-c'], 'ENV A=b')).toBe('/bin/sh -c #(nop)  ENV A=b');
    expect(nopTextSingle(['/bin/sh', '-c'], 'WORKDIR /app')).toBe('/bin/sh -c #(nop) WORKDIR /app');
  });

  it('quotes lists like Go’s %q and %v', () => {
    expect(goQuoteList(['nginx', '-g', 'daemon off;'])).toBe('["nginx" "-g" "daemon off;"]');
    expect(goQuote('say "hi"\n\ttab\\')).toBe('"say \\"hi\\"\\n\\ttab\\\\"');
    expect(goQuote('\x01')).toBe('"\\x01"');
    expect(goList(['/var/lib/postgresql/data'])).toBe('[/var/lib/postgresql/data]');
  });

  it('prints durations like time.Duration', () => {
    expect(goDuration(undefined)).toBe('0s');
    expect(goDuration(30e9)).toBe('30s');
    expect(goDuration(90e9)).toBe('1m30s');
    expect(goDuration(3600e9 + 1e9)).toBe('1h1s');
    expect(goDuration(500e6)).toBe('500ms');
    expect(goDuration(1.5e9)).toBe('1.5s');
  });

  it('prints a healthcheck as moby’s %q of the struct', () => {
    expect(healthText({ Test: ['CMD-SHELL', 'pg_isready'], Interval: 5e9, Timeout: 3e9, Retries: 5 })).toBe(
      `HEALTHCHECK &{["CMD-SHELL" "pg_isready"] "5s" "3s" "0s" "0s" '\\x05'}`,
    );
  });
});
