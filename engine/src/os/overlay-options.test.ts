import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { MountOptionsTooLongError } from './mount-error.js';
import { overlayOptionString, splitLowerdir, tmpfsOptionString } from './overlay-options.js';

describe('overlayOptionString', () => {
  it('joins lowers top first with upper, work and extra options', () => {
    expect(
      overlayOptionString({
        target: '/m',
        lowerDirs: ['s/3', 's/2'],
        upperDir: '/c/upper',
        workDir: '/c/work',
        options: ['index=off'],
      }),
    ).toBe('lowerdir=s/3:s/2,upperdir=/c/upper,workdir=/c/work,index=off');
  });

  it('refuses option strings the kernel would truncate', () => {
    const lowerDirs = Array.from({ length: 200 }, (_, i) => `snapshots/${String(i).padStart(16, '0')}`);
    expect(() => overlayOptionString({ target: '/m', lowerDirs, upperDir: '/u', workDir: '/w' })).toThrow(
      MountOptionsTooLongError,
    );
  });

  it('accepts a string of exactly 4095 bytes and refuses 4096', () => {
    const base = 'lowerdir=,upperdir=/u,workdir=/w'.length;
    const fits = 'x'.repeat(4095 - base);
    expect(
      overlayOptionString({ target: '/m', lowerDirs: [fits], upperDir: '/u', workDir: '/w' }),
    ).toHaveLength(4095);
    expect(() =>
      overlayOptionString({ target: '/m', lowerDirs: [`${fits}y`], upperDir: '/u', workDir: '/w' }),
    ).toThrow(/4096 bytes/);
  });

  it.each([['a,b'], ['a:b'], ['a\\b'], ['']])('refuses the lower name %j', (name) => {
    expect(() =>
      overlayOptionString({ target: '/m', lowerDirs: [name], upperDir: '/u', workDir: '/w' }),
    ).toThrow(InvalidArgumentError);
  });

  it('needs upper and work together, and two lowers without them', () => {
    expect(() => overlayOptionString({ target: '/m', lowerDirs: ['a'], upperDir: '/u' })).toThrow(/both/);
    expect(() => overlayOptionString({ target: '/m', lowerDirs: ['a'] })).toThrow(/two lower/);
    expect(overlayOptionString({ target: '/m', lowerDirs: ['a', 'b'] })).toBe('lowerdir=a:b');
    expect(() => overlayOptionString({ target: '/m', lowerDirs: [] })).toThrow(/at least one/);
  });
});

describe('tmpfsOptionString', () => {
  it('renders size, octal mode and extras', () => {
    expect(tmpfsOptionString({ size: 65536, mode: 0o1777, options: ['nosuid'] })).toBe(
      'size=65536,mode=1777,nosuid',
    );
    expect(tmpfsOptionString()).toBe('');
    expect(() => tmpfsOptionString({ size: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('splitLowerdir', () => {
  it('splits on unescaped colons only', () => {
    expect(splitLowerdir('a:b\\:c:d')).toEqual(['a', 'b\\:c', 'd']);
  });
});
