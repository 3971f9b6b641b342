import { describe, expect, it } from 'vitest';
import { isAtOrUnder, optionValue, parseMountinfo, unescapeMountField } from './mountinfo.js';

const SAMPLE = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '48 30 0:40 / /dev/shm/x\\040y/m rw,relatime - overlay overlay rw,lowerdir=b:a,upperdir=/u,workdir=/w,uuid=on',
  '49 48 0:41 /sub /dev/shm/x\\040y/m/proc rw,nosuid master:3 shared:7 - proc proc rw',
  'garbage line',
  '',
].join('\n');

describe('parseMountinfo', () => {
  it('decodes fields, optional propagation fields and octal escapes', () => {
    const [root, overlay, proc] = parseMountinfo(SAMPLE);
    expect(root).toMatchObject({
      id: 22,
      parentId: 1,
      mountPoint: '/',
      fsType: 'ext4',
      propagation: ['shared:1'],
    });
    expect(overlay?.mountPoint).toBe('/dev/shm/x y/m');
    expect(overlay?.superOptions).toContain('lowerdir=b:a');
    expect(proc).toMatchObject({ parentId: 48, root: '/sub', propagation: ['master:3', 'shared:7'] });
    expect(proc?.mountOptions).toEqual(['rw', 'nosuid']);
  });

  it('skips malformed lines instead of failing the listing', () => {
    expect(parseMountinfo(SAMPLE)).toHaveLength(3);
  });

  it('decodes newline, tab and backslash escapes', () => {
    expect(unescapeMountField('a\\012b\\011c\\134d')).toBe('a\nb\tc\\d');
  });
});

describe('isAtOrUnder', () => {
  it('compares by path segment', () => {
    expect(isAtOrUnder('/a/b', '/a/b')).toBe(true);
    expect(isAtOrUnder('/a/b/c', '/a/b/')).toBe(true);
    expect(isAtOrUnder('/a/bc', '/a/b')).toBe(false);
    expect(isAtOrUnder('/anything', '/')).toBe(true);
  });
});

describe('optionValue', () => {
  it('finds key=value options', () => {
    expect(optionValue(['rw', 'lowerdir=x:y'], 'lowerdir')).toBe('x:y');
    expect(optionValue(['rw'], 'lowerdir')).toBeUndefined();
  });
});
