import { describe, expect, it } from 'vitest';
import { EnvFileSyntaxError, parseEnvFile } from './env-file.js';

describe('parseEnvFile', () => {
  const shell: Record<string, string> = { HOME: '/root', FROM_SHELL: 'shell' };
  const lookup = (n: string) => shell[n];

  it('reads KEY=VALUE lines, comments, export prefixes and inline comments', () => {
    const text = '# comment\n\nA=1\nexport B = two \nC=three # note\nD=a#b\n';
    expect(parseEnvFile(text, lookup)).toEqual({ A: '1', B: 'two', C: 'three', D: 'a#b' });
  });

  it('keeps single quotes literal, and takes escapes and several lines in double quotes', () => {
    const text = `S='$HOME \\n'\nD="line1\\nline2 \\"q\\" $HOME"\nM="first\nsecond"\n`;
    expect(parseEnvFile(text, lookup)).toEqual({
      S: '$HOME \\n',
      D: 'line1\nline2 "q" /root',
      M: 'first\nsecond',
    });
  });

  it('interpolates from earlier keys, then the environment; a bare KEY takes the environment value', () => {
    expect(parseEnvFile(`A=x\nB=\${A}-\${HOME}\nFROM_SHELL\nNOT_THERE\n`, lookup)).toEqual({
      A: 'x',
      B: 'x-/root',
      FROM_SHELL: 'shell',
    });
  });

  it('names the line of a bad entry', () => {
    expect(() => parseEnvFile('A=1\n1BAD=2\n', lookup)).toThrow(EnvFileSyntaxError);
    try {
      parseEnvFile('A=1\nB="open\n', lookup);
    } catch (err) {
      expect(err).toBeInstanceOf(EnvFileSyntaxError);
      expect((err as EnvFileSyntaxError).line).toBe(2);
    }
  });
});
