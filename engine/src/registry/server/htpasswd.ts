import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { InvalidArgumentError } from '../../errors.js';

/**
 * Basic-auth users from an htpasswd file with bcrypt entries (`htpasswd -B`, `$2y$…`), the only
 * kind the CNCF registry accepts. A successful check is remembered for a while, keyed by a hash of
 * the credentials, because bcrypt costs ~50 ms and a push makes dozens of requests.
 */
export class Htpasswd {
  private readonly verified = new Map<string, number>();

  private constructor(
    private readonly users: ReadonlyMap<string, string>,
    private readonly now: () => number,
    private readonly cacheMs: number,
  ) {}

  static parse(
    text: string,
    source: string,
    options: { now?: () => number; cacheMs?: number } = {},
  ): Htpasswd {
    const users = new Map<string, string>();
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      const user = line.slice(0, colon);
      const hash = line.slice(colon + 1);
      if (colon <= 0 || !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
        throw new InvalidArgumentError(
          `${source} line ${i + 1}: expected user:bcrypt-hash (create entries with htpasswd -B); only bcrypt is supported`,
        );
      }
      users.set(user, hash);
    });
    return new Htpasswd(users, options.now ?? Date.now, options.cacheMs ?? 5 * 60_000);
  }

  static async load(file: string): Promise<Htpasswd> {
    return Htpasswd.parse(await readFile(file, 'utf8'), file);
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    if (hash === undefined) return false;
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > this.now()) return true;
    const ok = await bcrypt.compare(password, hash);
    if (ok) this.verified.set(key, this.now() + this.cacheMs);
    return ok;
  }

  /** Checks an `Authorization` header value; only `Basic` is accepted. */
  async verifyHeader(header: string | undefined): Promise<string | undefined> {
    if (!header?.toLowerCase().startsWith('basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    return (await this.verify(user, decoded.slice(colon + 1))) ? user : undefined;
  }
}
