import { describe, expect, it } from 'vitest';
import { extractFlags, parseWords, splitFirstWord, splitWhitespace } from './words.js';

describe('splitWhitespace', () => {
  it('splits on runs of whitespace only, recording offsets', () => {
    expect(splitWhitespace(' a  "b c"\td', 10)).toEqual([
      { value: 'a', offset: 11 },
      { value: '"b', offset: 14 },
      { value: 'c"', offset: 17 },
      { value: 'd', offset: 20 },
    ]);
  });
});

describe('splitFirstWord', () => {
  it('returns the keyword and the trimmed rest', () => {
    expect(splitFirstWord('  RUN   echo hi  ', 3)).toEqual({
      first: { value: 'RUN', offset: 5 },
      rest: 'echo hi',
      restOffset: 11,
    });
  });
});

describe('parseWords', () => {
  it('keeps quotes and escapes in words and splits only on unquoted whitespace', () => {
    expect(parseWords(`a="x y" b='p q' c=d\\ e f=""`, '\\').map((t) => t.value)).toEqual([
      'a="x y"',
      "b='p q'",
      'c=d\\ e',
      'f=""',
    ]);
  });

  it('lets the escape character protect a quote outside quotes and inside double quotes only', () => {
    expect(parseWords(`a=\\"b c=" \\" " d='\\'`, '\\').map((t) => t.value)).toEqual([
      'a=\\"b',
      'c=" \\" "',
      "d='\\'",
    ]);
  });

  it('uses the configured escape character', () => {
    expect(parseWords('a=x` y b=c\\', '`').map((t) => t.value)).toEqual(['a=x` y', 'b=c\\']);
  });

  it('keeps an empty quoted word', () => {
    expect(parseWords('"" x', '\\').map((t) => t.value)).toEqual(['""', 'x']);
  });
});

describe('extractFlags', () => {
  it('takes leading --flags and returns the rest with its offset', () => {
    expect(extractFlags('--from=build --chown="a b" src dest', 5)).toEqual({
      flags: [
        { value: '--from=build', offset: 5 },
        { value: '--chown=a b', offset: 18 },
      ],
      rest: 'src dest',
      restOffset: 32,
    });
  });

  it('stops at the first word that is not a flag and at a bare --', () => {
    expect(extractFlags('echo --not-a-flag').flags).toEqual([]);
    expect(extractFlags('--link -- --weird-name /dst')).toEqual({
      flags: [{ value: '--link', offset: 0 }],
      rest: '--weird-name /dst',
      restOffset: 10,
    });
    expect(extractFlags('--a=1').rest).toBe('');
  });
});
