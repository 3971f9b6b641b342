import { describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd } from '../../runtime/user-resolver.js';
import { ChownProblem, resolveChownIn } from './chown.js';

const db = {
  passwd: parsePasswd('root:x:0:0::/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\n'),
  group: parseGroup('root:x:0:\nnode:x:1001:\nstaff:x:50:\n'),
};

describe('--chown resolution', () => {
  it('takes numbers as they are, a lone number as user and group', () => {
    expect(resolveChownIn({ passwd: undefined, group: undefined }, '1234:5678')).toEqual({
      uid: 1234,
      gid: 5678,
    });
    expect(resolveChownIn({ passwd: undefined, group: undefined }, '42')).toEqual({ uid: 42, gid: 42 });
  });

  it('looks names up in the image, a named user getting its primary group', () => {
    expect(resolveChownIn(db, 'node')).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveChownIn(db, 'node:staff')).toEqual({ uid: 1000, gid: 50 });
    expect(resolveChownIn(db, '7:staff')).toEqual({ uid: 7, gid: 50 });
  });

  it('names what is missing', () => {
    expect(() => resolveChownIn(db, 'ghost')).toThrow(
      new ChownProblem("unable to find user ghost: no matching entries in the image's /etc/passwd"),
    );
    expect(() => resolveChownIn(db, 'node:wheel')).toThrow(/unable to find group wheel/);
    expect(() => resolveChownIn({ passwd: undefined, group: undefined }, 'node')).toThrow(
      /the image has no \/etc\/passwd/,
    );
    expect(() => resolveChownIn(db, '99999999999')).toThrow(/out of range/);
  });
});
