import { InvalidArgumentError, RegistryError, UnauthorizedError } from '../../errors.js';
import { DEFAULT_DOMAIN } from '../../images/reference.js';
import { RegistryErrorCode } from '../registry-constants.js';
import type { RegistrySession } from './registry-transport.js';

/**
 * The registry domain a `docker login` server address names, as image references spell it:
 * `https://index.docker.io/v1/`, `docker.io` and an empty address → `docker.io`;
 * `http://localhost:5000/v2/` → `localhost:5000`.
 */
export function loginDomain(serverAddress: string | undefined): string {
  let host = (serverAddress ?? '').trim().replace(/^[a-z]+:\/\//i, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  host = host.toLowerCase();
  if (
    host === '' ||
    host === 'index.docker.io' ||
    host === 'registry-1.docker.io' ||
    host === DEFAULT_DOMAIN
  ) {
    return DEFAULT_DOMAIN;
  }
  if (/\s/.test(host))
    throw new InvalidArgumentError(`invalid registry address ${JSON.stringify(serverAddress)}`);
  return host;
}

/**
 * Checks credentials the way `docker login` does: `GET /v2/` on the registry, answering its
 * challenge (Basic, or a bearer token fetched with the credentials). A registry without auth
 * accepts anything, as it does for Docker. The refusal names the registry and the status, never
 * the secret.
 */
export async function verifyLogin(session: RegistrySession): Promise<void> {
  const url = session.url('/v2/');
  let status: number;
  try {
    const res = await session.send({ method: 'GET', path: '/v2/', scopes: [] });
    status = res.statusCode;
    await res.body.dump();
  } catch (err) {
    if (err instanceof RegistryError && err.code === RegistryErrorCode.Unauthorized) {
      throw new UnauthorizedError(
        `login attempt to ${url.href} failed with status: ${err.status === 403 ? '403 Forbidden' : '401 Unauthorized'}: the registry refused the username and password; check them and try again`,
      );
    }
    throw err;
  }
  if (status !== 200) {
    throw new RegistryError(
      `login attempt to ${url.href} failed with status: ${status}; is ${session.endpoint.display} a registry?`,
    );
  }
}
