import { pino } from 'pino';
import { parseReference } from '../images/reference.js';
import {
  DockerConfigCredentials,
  defaultDockerConfigPath,
} from '../registry/client/docker-config-credentials.js';
import { loginServerKey } from '../registry/client/docker-config-store.js';
import type { RegistryCredential } from '../registry/client/registry-credential.js';

/** What the docker CLI sends when it has no credentials: `{}`. */
export const ANONYMOUS_AUTH = 'e30=';

/** moby's encoding of an auth config in `X-Registry-Auth`: base64url JSON (padding kept). */
export function encodeRegistryAuth(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function authConfig(credential: RegistryCredential, serveraddress: string): Record<string, string> {
  switch (credential.kind) {
    case 'basic':
      return { username: credential.username, password: credential.password, serveraddress };
    case 'identity-token':
      return { username: credential.username ?? '', identitytoken: credential.token, serveraddress };
    case 'registry-token':
      return { registrytoken: credential.token, serveraddress };
  }
}

/**
 * The `X-Registry-Auth` header for a pull or push of `ref`, from the user's docker config (and its
 * credential helpers), as the docker CLI sends it: the engine may run as another user, with
 * another config. `e30=` when there are none (or the reference does not parse: the engine says why).
 */
export async function registryAuthFor(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let domain: string;
  try {
    domain = parseReference(ref).domain;
  } catch {
    return ANONYMOUS_AUTH;
  }
  // Warnings only (an unreadable config, a helper that cannot run), on stderr.
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const credential = await new DockerConfigCredentials(defaultDockerConfigPath(env), logger, env).get(domain);
  return credential ? encodeRegistryAuth(authConfig(credential, loginServerKey(domain))) : ANONYMOUS_AUTH;
}
