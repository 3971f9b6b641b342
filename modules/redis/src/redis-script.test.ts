import { describe, expect, it } from 'vitest';
import { parseScript, splitArgs } from './redis-script.js';

describe('splitArgs (redis-cli / sdssplitargs rules)', () => {
  it('splits on blanks and unquotes', () => {
    expect(splitArgs('  SET  key   value ')).toEqual({ ok: true, argv: ['SET', 'key', 'value'] });
    expect(splitArgs('HSET h name "Ada Lovelace"')).toEqual({
      ok: true,
      argv: ['HSET', 'h', 'name', 'Ada Lovelace'],
    });
    expect(splitArgs('SET k \'single "quoted"\'')).toEqual({
      ok: true,
      argv: ['SET', 'k', 'single "quoted"'],
    });
    expect(splitArgs('SET k ""')).toEqual({ ok: true, argv: ['SET', 'k', ''] });
  });

  it("decodes escapes in double quotes, and only \\' in single quotes", () => {
    expect(splitArgs('SET k "a\\tb\\nc\\x41\\"\\\\"')).toEqual({
      ok: true,
      argv: ['SET', 'k', 'a\tb\ncA"\\'],
    });
    expect(splitArgs("SET k 'it\\'s \\n'")).toEqual({ ok: true, argv: ['SET', 'k', "it's \\n"] });
  });

  it('rejects unbalanced quotes and text glued to a closing quote', () => {
    expect(splitArgs('SET k "open')).toEqual({ ok: false, reason: 'unbalanced double quote' });
    expect(splitArgs("SET k 'open")).toEqual({ ok: false, reason: 'unbalanced single quote' });
    expect(splitArgs('SET k "a"b')).toEqual({
      ok: false,
      reason: 'a closing quote must be followed by a space',
    });
  });
});

describe('parseScript', () => {
  it('keeps line numbers, skipping blank lines and # comments', () => {
    expect(parseScript('# seed\nSET a 1\n\r\n  INCR a\r\n')).toEqual({
      commands: [
        { line: 2, text: 'SET a 1', argv: ['SET', 'a', '1'] },
        { line: 4, text: 'INCR a', argv: ['INCR', 'a'] },
      ],
    });
  });

  it('reports the line of a syntax error', () => {
    expect(parseScript('SET a 1\nSET b "x')).toEqual({
      error: { line: 2, reason: 'unbalanced double quote' },
    });
  });
});
