import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd, resolveUser, resolveUserIn, UnknownUserError } from './user-resolver.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'app:x:1000:1000::/home/app:/bin/sh',
  'broken:x:notanumber:1::/:/bin/sh',
].join('\n');
const GROUP = ['root:x:0:', 'wheel:x:10:root,app', 'app:x:1000:', 'audio:x:29:app', 'staff:x:50:'].join('\n');
const db = { passwd: parsePasswd(PASSWD), group: parseGroup(GROUP) };

describe('resolveUserIn', () => {
  it("defaults to root with root's supplementary groups", () => {
    expect(resolveUserIn(db, '')).toEqual({
      uid: 0,
      gid: 0,
      additionalGids: [10],
      home: '/root',
      username: 'root',
    });
  });

  it('resolves a name with its primary group and memberships', () => {
    expect(resolveUserIn(db, 'app')).toMatchObject({
      uid: 1000,
      gid: 1000,
      additionalGids: [10, 29],
      home: '/home/app',
    });
  });

  it('treats a numeric user as a uid, with or without a passwd entry', () => {
    expect(resolveUserIn(db, '1')).toMatchObject({ uid: 1, gid: 1, username: 'daemon' });
    expect(resolveUserIn(db, '4242')).toEqual({
      uid: 4242,
      gid: 0,
      additionalGids: [],
      home: '/',
      username: undefined,
    });
  });

  it('takes an explicit group and then drops supplementary groups', () => {
    expect(resolveUserIn(db, 'app:staff')).toMatchObject({ uid: 1000, gid: 50, additionalGids: [] });
    expect(resolveUserIn(db, '1000:777')).toMatchObject({ uid: 1000, gid: 777, additionalGids: [] });
  });

  it('appends GroupAdd names and ids', () => {
    expect(resolveUserIn(db, 'app', ['staff', '99', 'wheel']).additionalGids).toEqual([10, 29, 50, 99]);
    expect(() => resolveUserIn(db, 'app', ['nogroup'])).toThrow(/unable to find group nogroup/);
  });

  it('names the unknown user or group in the error', () => {
    expect(() => resolveUserIn(db, 'ghost')).toThrow(UnknownUserError);
    expect(() => resolveUserIn(db, 'ghost')).toThrow(/unable to find user ghost: no matching entries/);
    expect(() => resolveUserIn(db, 'app:ghosts')).toThrow(/unable to find group ghosts/);
    expect(() => resolveUserIn({ passwd: undefined, group: undefined }, 'app')).toThrow(
      /has no \/etc\/passwd/,
    );
    expect(() => resolveUserIn(db, '99999999999')).toThrow(/out of range/);
  });
});

describe('resolveUser on a rootfs', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'skiff-user-'));
    await mkdir(path.join(base, 'rootfs', 'etc'), { recursive: true });
    await mkdir(path.join(base, 'host'));
    await writeFile(path.join(base, 'host', 'passwd'), 'hostonly:x:4321:4321::/:/bin/sh\n');
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it("reads the image's files", async () => {
    await writeFile(path.join(base, 'rootfs', 'etc', 'passwd'), PASSWD);
    await writeFile(path.join(base, 'rootfs', 'etc', 'group'), GROUP);
    expect(await resolveUser(path.join(base, 'rootfs'), 'app')).toMatchObject({
      uid: 1000,
      additionalGids: [10, 29],
    });
  });

  it('does not follow a hostile /etc/passwd symlink to the host', async () => {
    await symlink(path.join(base, 'host', 'passwd'), path.join(base, 'rootfs', 'etc', 'passwd'));
    await expect(resolveUser(path.join(base, 'rootfs'), 'hostonly')).rejects.toThrow(
      /unable to find user hostonly: the image has no \/etc\/passwd/,
    );
  });
});
