import { SkiffError } from '../errors.js';
import { readFileInRoot } from '../os/resolve-in-root.js';

/** `User` named a user or group the image does not know, or an id out of range. */
export class UnknownUserError extends SkiffError {
  constructor(
    readonly user: string,
    message: string,
  ) {
    super('SKIFF_UNKNOWN_USER', message);
  }
}

/** What the OCI `process.user` needs, plus the home directory for a missing `HOME`. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
  /** The passwd entry's name when one matched. */
  username: string | undefined;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;

function parseId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_ID ? n : undefined;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const [name, , uid, gid, , home] of lines(text)) {
    const u = parseId(uid);
    const g = parseId(gid);
    if (name && u !== undefined && g !== undefined) entries.push({ name, uid: u, gid: g, home: home || '/' });
  }
  return entries;
}

export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const [name, , gid, members] of lines(text)) {
    const g = parseId(gid);
    if (name && g !== undefined) {
      entries.push({ name, gid: g, members: (members ?? '').split(',').filter((m) => m.length > 0) });
    }
  }
  return entries;
}

/** Reads the rootfs's user databases; both may be missing (scratch images). */
export interface UserDatabase {
  passwd: PasswdEntry[] | undefined;
  group: GroupEntry[] | undefined;
}

export async function readUserDatabase(rootfs: string): Promise<UserDatabase> {
  const [passwd, group] = await Promise.all([
    readFileInRoot(rootfs, '/etc/passwd'),
    readFileInRoot(rootfs, '/etc/group'),
  ]);
  return {
    passwd: passwd && parsePasswd(passwd.toString('utf8')),
    group: group && parseGroup(group.toString('utf8')),
  };
}

function checkedId(user: string, value: string, what: string): number {
  const id = parseId(value);
  if (id === undefined) {
    throw new UnknownUserError(
      user,
      `${what} ${JSON.stringify(value)} in user ${JSON.stringify(user)} is out of range 0..${MAX_ID}`,
    );
  }
  return id;
}

/**
 * Resolves Docker's `User` (`name`, `uid`, `name:group`, `uid:gid`; empty means root) against the
 * image's /etc/passwd and /etc/group, with runc's rules: a numeric user needs no passwd entry, a
 * name does; supplementary groups come from /etc/group only when no group was given; `groupAdd`
 * (HostConfig.GroupAdd) appends names or gids.
 */
export function resolveUserIn(
  db: UserDatabase,
  spec: string,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const numericUser = /^\d+$/.test(userArg);
  const numericGroup = /^\d+$/.test(groupArg);

  const passwd = db.passwd ?? [];
  const match =
    userArg === ''
      ? passwd.find((p) => p.uid === 0)
      : numericUser
        ? passwd.find((p) => p.uid === Number(userArg))
        : passwd.find((p) => p.name === userArg);

  let uid = 0;
  let gid = 0;
  let home = '/';
  if (match) {
    ({ uid, gid, home } = match);
  } else if (userArg !== '') {
    if (!numericUser) {
      const where = db.passwd
        ? "no matching entries in the image's /etc/passwd"
        : 'the image has no /etc/passwd';
      throw new UnknownUserError(spec, `unable to find user ${userArg}: ${where}`);
    }
    uid = checkedId(spec, userArg, 'uid');
  }

  const groups = db.group ?? [];
  let additionalGids: number[] = [];
  if (groupArg !== '') {
    const g = numericGroup
      ? groups.find((e) => e.gid === Number(groupArg))
      : groups.find((e) => e.name === groupArg);
    if (g) gid = g.gid;
    else if (numericGroup) gid = checkedId(spec, groupArg, 'gid');
    else {
      const where = db.group
        ? "no matching entries in the image's /etc/group"
        : 'the image has no /etc/group';
      throw new UnknownUserError(spec, `unable to find group ${groupArg}: ${where}`);
    }
  } else if (match) {
    additionalGids = groups.filter((g) => g.members.includes(match.name)).map((g) => g.gid);
  }

  for (const extra of groupAdd) {
    const g = /^\d+$/.test(extra)
      ? checkedId(extra, extra, 'gid')
      : groups.find((e) => e.name === extra)?.gid;
    if (g === undefined)
      throw new UnknownUserError(
        extra,
        `unable to find group ${extra} (from GroupAdd) in the image's /etc/group`,
      );
    additionalGids.push(g);
  }
  return { uid, gid, additionalGids: [...new Set(additionalGids)], home, username: match?.name };
}

/** `resolveUserIn` over the files of `rootfs`, read without following symlinks out of it. */
export async function resolveUser(
  rootfs: string,
  spec: string,
  groupAdd: readonly string[] = [],
): Promise<ResolvedUser> {
  return resolveUserIn(await readUserDatabase(rootfs), spec, groupAdd);
}
