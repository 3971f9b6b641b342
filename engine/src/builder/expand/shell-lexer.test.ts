// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Dockerfile syntax, not JS templates
import { describe, expect, it } from 'vitest';
import { ShellLexer, WordExpansionError } from './shell-lexer.js';

const vars: Record<string, string> = { A: 'a', EMPTY: '', SPACED: 'x  y', HOME: '/root' };
const lookup = (name: string) => vars[name];
const lexer = new ShellLexer();
const word = (text: string) => lexer.processWord(text, lookup);

describe('ShellLexer.processWord', () => {
  it.each([
    ['$A', 'a'],
    ['${A}', 'a'],
    ['pre${A}post', 'prea' + 'post'],
    ['$A.txt', 'a.txt'],
    ['$UNSET', ''],
    ['${UNSET:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${UNSET-def}', 'def'],
    ['${A:-def}', 'a'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-$A/x}', 'a/x'],
    ['${UNSET:-${HOME}/bin}', '/root/bin'],
    ['${A?}', 'a'],
    ['\\$A', '$A'],
    ['\\${A}', '${A}'],
    ["'$A'", '$A'],
    ['"$A"', 'a'],
    ['"\\$A"', '$A'],
    ['"a\\b"', 'a\\b'],
    ['"say \\"hi\\""', 'say "hi"'],
    ["'it''s'", 'its'],
    ['a\\ b', 'a b'],
    ['$', '$'],
    ['$1', ''],
    ['100%', '100%'],
    ['"${SPACED}"', 'x  y'],
    ['$SPACED', 'x  y'],
  ])('expands %s', (input, expected) => {
    expect(word(input)).toBe(expected);
  });

  it.each([
    ['${A', "missing '}'"],
    ['${}', 'bad substitution'],
    ['${:-x}', 'bad substitution'],
    ['${A:=x}', 'unsupported modifier (=)'],
    ['${A#x}', 'unsupported substitution ${A#…}'],
    ['${UNSET?}', 'UNSET: is not allowed to be unset'],
    ['${UNSET:?needs a token}', 'UNSET: needs a token'],
    ['${EMPTY:?}', 'EMPTY: is not allowed to be empty'],
    ["'open", 'matching single quote'],
    ['"open', 'matching double quote'],
  ])('refuses %s', (input, message) => {
    expect(() => word(input)).toThrow(WordExpansionError);
    expect(() => word(input)).toThrow(message);
  });

  it('honours a backquote escape character', () => {
    const tick = new ShellLexer({ escapeChar: '`' });
    expect(tick.processWord('c:\\dir`$A', lookup)).toBe('c:\\dir$A');
    expect(tick.processWord('"`"q`""', lookup)).toBe('"q"');
  });

  it('can leave unset variables as written', () => {
    expect(new ShellLexer({ skipUnsetEnv: true }).processWord('$NOPE ${NOPE} $A', lookup)).toBe(
      '$NOPE ${NOPE} a',
    );
  });
});

describe('ShellLexer.processWords', () => {
  it('splits unquoted variable values but not quoted text', () => {
    expect(lexer.processWords('$SPACED "q  r" s\\ t', lookup)).toEqual(['x', 'y', 'q  r', 's t']);
    expect(lexer.processWords('80 $EMPTY 443', lookup)).toEqual(['80', '443']);
  });
});

describe('ShellLexer.processHeredoc', () => {
  it('expands variables but keeps quotes and most backslashes, as sh does in a heredoc', () => {
    expect(lexer.processHeredoc('echo "$A" \'$HOME\' \\$A \\n \\\\\nnext \\\nline\n', lookup)).toBe(
      'echo "a" \'/root\' $A \\n \\\nnext line\n',
    );
  });
});
