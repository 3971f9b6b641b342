import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from './sql-identifiers.js';

describe('quoteIdent / quoteLiteral', () => {
  it('quotes names so any text is one identifier', () => {
    expect(quoteIdent('test')).toBe('"test"');
    expect(quoteIdent('we"ird; DROP')).toBe('"we""ird; DROP"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it('refuses names PostgreSQL would truncate or cannot store', () => {
    expect(() => quoteIdent('')).toThrow(/cannot be empty/);
    expect(() => quoteIdent('x'.repeat(64))).toThrow(/63-byte/);
    expect(quoteIdent('x'.repeat(63))).toHaveLength(65);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
});
