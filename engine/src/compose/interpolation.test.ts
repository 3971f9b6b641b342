import { describe, expect, it } from 'vitest';
import { InterpolationError, interpolate } from './interpolation.js';

const scope = (vars: Record<string, string>, unset: string[] = []) => ({
  lookup: (n: string) => vars[n],
  onUnset: (n: string) => {
    unset.push(n);
  },
});

describe('interpolate', () => {
  const vars = { A: 'a', EMPTY: '', NUM: '5' };

  it(`expands $VAR and \${VAR}, and $$ to a literal $`, () => {
    expect(interpolate(`x-$A-\${A}-$$A-$\${A}`, scope(vars))).toBe(`x-a-a-$A-\${A}`);
  });

  it('applies the default forms: :- for unset or empty, - for unset only', () => {
    expect(interpolate(`\${MISSING:-d} \${EMPTY:-d} \${MISSING-d} \${EMPTY-d}`, scope(vars))).toBe('d d d ');
  });

  it('applies the replacement forms: :+ when set and not empty, + when set', () => {
    expect(interpolate(`[\${A:+r}] [\${EMPTY:+r}] [\${EMPTY+r}] [\${MISSING+r}]`, scope(vars))).toBe(
      '[r] [] [r] []',
    );
  });

  it('interpolates inside defaults', () => {
    expect(interpolate(`\${MISSING:-\${A}-\${NUM}}`, scope(vars))).toBe('a-5');
  });

  it(`fails with the message of \${VAR:?message} and \${VAR?message}`, () => {
    expect(() => interpolate(`\${MISSING:?set it}`, scope(vars))).toThrow(
      'required variable MISSING is not set: set it',
    );
    expect(() => interpolate(`\${EMPTY:?}`, scope(vars))).toThrow('required variable EMPTY is empty');
    expect(interpolate(`\${EMPTY?x}`, scope(vars))).toBe('');
  });

  it('reports unset variables without a default and expands them to nothing', () => {
    const unset: string[] = [];
    expect(interpolate(`a\${NOPE}b$ALSO_NOT`, scope(vars, unset))).toBe('ab');
    expect(unset).toEqual(['NOPE', 'ALSO_NOT']);
  });

  it('refuses a lone $, a bad name and an unclosed brace', () => {
    for (const bad of ['cost $5', 'x$', `\${1A}`, `\${A`, `\${A:x}`, `\${}`]) {
      expect(() => interpolate(bad, scope(vars)), bad).toThrow(InterpolationError);
    }
  });
});
