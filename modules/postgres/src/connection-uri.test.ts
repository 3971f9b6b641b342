import { describe, expect, it } from 'vitest';
import { connectionUri } from './connection-uri.js';

describe('connectionUri', () => {
  it('percent-encodes user, password and database, and brackets IPv6 hosts', () => {
    expect(
      connectionUri({ host: '127.0.0.1', port: 5432, user: 'test', password: 'test', database: 'test' }),
    ).toBe('postgres://test:test@127.0.0.1:5432/test');
    const uri = connectionUri({ host: '::1', port: 1, user: 'a@b', password: 'p@:/#?%', database: 'my db' });
    expect(uri).toBe('postgres://a%40b:p%40%3A%2F%23%3F%25@[::1]:1/my%20db');
    const parsed = new URL(uri);
    expect(decodeURIComponent(parsed.password)).toBe('p@:/#?%');
  });
});
