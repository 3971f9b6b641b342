import type { UserDatabase } from '../../runtime/user-resolver.js';
import type { Ownership } from './copy-writer.js';

const MAX_ID = 2 ** 31 - 1;

/** `--chown` names a user or group the image does not have, or an id out of range. */
export class ChownProblem extends Error {}

function numeric(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  if (n > MAX_ID) throw new ChownProblem(`id ${value} is out of range 0..${MAX_ID}`);
  return n;
}

/**
 * Resolves `--chown=user[:group]` the way the builders do: numbers are taken as they are; names
 * are looked up in the image's /etc/passwd and /etc/group (read inside the root, never through a
 * symlink out of it). Without a group, a numeric user keeps the same number as group and a named
 * user gets its primary group.
 */
export function resolveChownIn(db: UserDatabase, spec: string): Ownership {
  const colon = spec.indexOf(':');
  const userPart = colon < 0 ? spec : spec.slice(0, colon);
  const groupPart = colon < 0 ? undefined : spec.slice(colon + 1);
  if (userPart === '') throw new ChownProblem(`--chown=${spec}: the user is empty`);
  let uid = numeric(userPart);
  let primaryGid: number | undefined;
  if (uid === undefined) {
    const entry = db.passwd?.find((p) => p.name === userPart);
    if (!entry) {
      throw new ChownProblem(
        `unable to find user ${userPart}: ${db.passwd ? "no matching entries in the image's /etc/passwd" : 'the image has no /etc/passwd'}`,
      );
    }
    uid = entry.uid;
    primaryGid = entry.gid;
  }
  if (groupPart === undefined || groupPart === '') return { uid, gid: primaryGid ?? uid };
  let gid = numeric(groupPart);
  if (gid === undefined) {
    const group = db.group?.find((g) => g.name === groupPart);
    if (!group) {
      throw new ChownProblem(
        `unable to find group ${groupPart}: ${db.group ? "no matching entries in the image's /etc/group" : 'the image has no /etc/group'}`,
      );
    }
    gid = group.gid;
  }
  return { uid, gid };
}
