import type { RegistryAuth } from '../../images/image-service.js';

/** What the client can authenticate with at one registry. Never logged, never put in errors. */
export type RegistryCredential =
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (`identitytoken`): exchanged at the token endpoint with grant_type=refresh_token. */
  | { kind: 'identity-token'; token: string; username?: string }
  /** A bearer token to send as is (`registrytoken`). */
  | { kind: 'registry-token'; token: string };

/** Decodes a base64 `user:password` as in `auths.<host>.auth`. */
export function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The credential an `X-Registry-Auth` header (or a `docker login` answer) carries, if any. */
export function credentialFromRegistryAuth(auth: RegistryAuth | undefined): RegistryCredential | undefined {
  if (!auth) return undefined;
  if (auth.registrytoken) return { kind: 'registry-token', token: auth.registrytoken };
  if (auth.identitytoken) {
    return {
      kind: 'identity-token',
      token: auth.identitytoken,
      ...(auth.username ? { username: auth.username } : {}),
    };
  }
  if (auth.username && auth.password !== undefined) {
    return { kind: 'basic', username: auth.username, password: auth.password };
  }
  if (auth.auth) {
    const pair = decodeAuth(auth.auth);
    if (pair) return { kind: 'basic', ...pair };
  }
  return undefined;
}
