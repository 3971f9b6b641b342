import { InvalidArgumentError } from '../../errors.js';
import type { RegistryAuth } from '../../images/image-service.js';

const BASE64_ANY_ALPHABET = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes base64 written with either alphabet, with or without padding: dockerode encodes
 * `X-Registry-Config` with the standard alphabet and the Go CLI with the URL alphabet.
 */
export function decodeBase64Json(value: string, header: string): unknown {
  const trimmed = value.trim();
  if (!BASE64_ANY_ALPHABET.test(trimmed)) {
    throw new InvalidArgumentError(`invalid ${header} header: not base64`);
  }
  const text = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`invalid ${header} header: the decoded value is not JSON`, { cause: err });
  }
}

const AUTH_KEYS: Record<string, keyof RegistryAuth> = {
  username: 'username',
  password: 'password',
  auth: 'auth',
  serveraddress: 'serveraddress',
  registryaddress: 'serveraddress',
  identitytoken: 'identitytoken',
  registrytoken: 'registrytoken',
};

/** One auth object with moby's case-insensitive keys (testcontainers sends `registryAddress`, `identityToken`). */
export function toRegistryAuth(value: unknown): RegistryAuth | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const auth: RegistryAuth = {};
  for (const [key, v] of Object.entries(value)) {
    const field = AUTH_KEYS[key.toLowerCase()];
    if (field && typeof v === 'string' && v !== '') auth[field] = v;
  }
  return Object.keys(auth).length > 0 ? auth : undefined;
}

/**
 * `X-Registry-Auth` (pull, push): base64url JSON of one auth config. The CLI sends `e30=` (`{}`)
 * without credentials; that and an absent header both mean anonymous.
 */
export function parseRegistryAuthHeader(value: string | string[] | undefined): RegistryAuth | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  return toRegistryAuth(decodeBase64Json(raw, 'X-Registry-Auth'));
}

/** `X-Registry-Config` (build): base64 JSON map of registry → auth config. */
export function parseRegistryConfigHeader(
  value: string | string[] | undefined,
): Record<string, RegistryAuth> {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return {};
  const decoded = decodeBase64Json(raw, 'X-Registry-Config');
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw new InvalidArgumentError('invalid X-Registry-Config header: expected a JSON object');
  }
  const out: Record<string, RegistryAuth> = {};
  for (const [registry, v] of Object.entries(decoded)) {
    const auth = toRegistryAuth(v);
    if (auth) out[registry] = auth;
  }
  return out;
}
