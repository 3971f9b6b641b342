/** Bearer tokens by (token endpoint, service, scopes, credential), kept until shortly before they expire. */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  static key(parts: { realm: string; service: string; scopes: readonly string[]; identity: string }): string {
    return [parts.realm, parts.service, [...parts.scopes].sort().join(' '), parts.identity].join('\n');
  }

  get(key: string): string | undefined {
    const hit = this.tokens.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return hit.token;
  }

  /** Keeps a token for `expiresInSec` minus a safety margin, so it is never sent stale. */
  set(key: string, token: string, expiresInSec: number): void {
    const marginMs = Math.min(10_000, (expiresInSec * 1000) / 4);
    this.tokens.set(key, { token, expiresAt: this.now() + expiresInSec * 1000 - marginMs });
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }
}
