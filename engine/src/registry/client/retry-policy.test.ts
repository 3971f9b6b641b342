import { describe, expect, it } from 'vitest';
import { backoffDelay, isConnectionError, isUnknownHostError, parseRetryAfter } from './retry-policy.js';

describe('retry policy', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially within bounds', () => {
    const policy = { retries: 5, minDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 0 };
    expect(backoffDelay(policy, 0, () => 1)).toBe(100);
    expect(backoffDelay(policy, 2, () => 0)).toBe(200);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
  });

  it('tells connection errors from unknown hosts, looking through causes', () => {
    expect(isConnectionError(Object.assign(new Error('x'), { cause: { code: 'ECONNRESET' } }))).toBe(true);
    expect(isConnectionError({ code: 'ENOTFOUND' })).toBe(false);
    expect(isUnknownHostError({ code: 'ENOTFOUND' })).toBe(true);
  });
});
