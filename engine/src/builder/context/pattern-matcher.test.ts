import { describe, expect, it } from 'vitest';
import { parseIgnoreFile } from './ignore-file.js';
import { cleanPath, globSyntaxProblem, PatternMatcher } from './pattern-matcher.js';

const excluded = (patterns: string[], path: string) => new PatternMatcher(patterns).matches(path);

describe('cleanPath', () => {
  it.each([
    ['./a//b/', 'a/b'],
    ['', '.'],
    ['a/../..', '..'],
    ['/..', '/'],
    ['/', '/'],
  ])('cleans %j like filepath.Clean', (input, output) => {
    expect(cleanPath(input)).toBe(output);
  });
});

describe('PatternMatcher', () => {
  it.each([
    // [patterns, path, excluded]
    [['*.md'], 'README.md', true],
    [['*.md'], 'docs/README.md', false],
    [['**/*.md'], 'docs/deep/README.md', true],
    [['**/*.md'], 'README.md', true],
    [['node_modules'], 'node_modules/pkg/index.js', true],
    [['node_modules'], 'src/node_modules/x', false],
    [['**/node_modules'], 'src/node_modules/x', true],
    [['docs/**'], 'docs/a/b', true],
    [['docs/**'], 'docs', false],
    [['*/temp*'], 'somedir/temporary.txt', true],
    [['*/*/temp*'], 'a/b/temp/x', true],
    [['temp?'], 'temp1', true],
    [['temp?'], 'temp12', false],
    [['[a-c].txt'], 'b.txt', true],
    [['[^a-c].txt'], 'b.txt', false],
    [['[^a-c].txt'], 'x.txt', true],
    [['a+b(1).txt'], 'a+b(1).txt', true],
    [['a+b(1).txt'], 'aab1.txt', false],
    [['file.txt'], 'fileXtxt', false],
    [['\\*.txt'], '*.txt', true],
    [['\\*.txt'], 'a.txt', false],
    [['*'], 'anything/below', true],
    [['*', '!keep'], 'keep/inner.txt', false],
    [['*', '!keep/**'], 'keep/a/b.txt', false],
    [['*', '!keep/**'], 'other.txt', true],
    [['**/*.log', '!important.log'], 'important.log', false],
    [['**/*.log', '!important.log'], 'sub/important.log', true],
    [['**/*.log', '!**/important.log'], 'sub/important.log', false],
    [['!x', 'x'], 'x', true],
    [['x', '!x', 'x'], 'x', true],
    [['dir', '!dir/keep', 'dir/keep/secret'], 'dir/keep/secret', true],
    [['dir', '!dir/keep', 'dir/keep/secret'], 'dir/keep/other', false],
    [['**'], 'a/b/c', true],
    [['CASE'], 'case', false],
  ])('%j excludes %s: %s', (patterns, path, expected) => {
    expect(excluded(patterns, path)).toBe(expected);
  });

  it('refuses patterns Go rejects, naming them', () => {
    for (const bad of ['[', 'a[', '[]', '[a-]', '[-a]', 'x\\', '[a\\']) {
      expect(globSyntaxProblem(bad), bad).toBeDefined();
      expect(() => new PatternMatcher([bad])).toThrow(`bad pattern ${JSON.stringify(bad)}`);
    }
    expect(() => new PatternMatcher(['!'])).toThrow('illegal exclusion pattern');
    expect(globSyntaxProblem('[]a]')).toBeDefined();
    expect(globSyntaxProblem('[a-z0-9]*.[ch]')).toBeUndefined();
  });

  it('knows whether any pattern is an exception', () => {
    expect(new PatternMatcher(['a']).hasExclusions).toBe(false);
    expect(new PatternMatcher(['a', '!b']).hasExclusions).toBe(true);
  });
});

describe('parseIgnoreFile', () => {
  it('drops comments, blanks and a BOM, trims, cleans and strips a leading slash', () => {
    expect(
      parseIgnoreFile(
        '\uFEFF# comment\n\n  node_modules/  \n/build\n! ./keep//me/\n  # not a comment\n./a/../b\r\n/\n',
      ),
    ).toEqual(['node_modules', 'build', '!keep/me', '# not a comment', 'b', '/']);
  });
});
