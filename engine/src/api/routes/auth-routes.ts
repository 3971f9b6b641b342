import { InvalidArgumentError } from '../../errors.js';
import type { RegistryAuth } from '../../images/image-service.js';
import type { RouteModule } from '../api-router.js';
import { toRegistryAuth } from '../protocol/registry-auth-header.js';

/** What `POST /auth` needs (`registry/client/registry-client.ts` implements it). */
export interface RegistryLoginBackend {
  /** Checks the credentials against their registry; UnauthorizedError when it refuses them. */
  login(auth: RegistryAuth | undefined): Promise<{ identityToken: string }>;
}

/** Small: username, password, server address, maybe a token. */
const AUTH_BODY_LIMIT = 64 * 1024;

/**
 * `POST /auth` (`docker login`, dockerode `checkAuth`): verifies the credentials against the
 * registry and answers `{"Status":"Login Succeeded","IdentityToken":""}`; 401 with the reason when
 * the registry refuses them. Nothing is stored on the engine side: the client keeps credentials
 * in its docker config and sends them with each pull and push (`X-Registry-Auth`).
 */
export function authRoutes(registry: RegistryLoginBackend): RouteModule {
  return (router) => {
    router.post('/auth', async (ex) => {
      const body = await ex.readJson(AUTH_BODY_LIMIT);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new InvalidArgumentError(
          'auth needs a JSON object body: {"username":…,"password":…,"serveraddress":…}',
        );
      }
      const { identityToken } = await registry.login(toRegistryAuth(body));
      ex.json(200, { Status: 'Login Succeeded', IdentityToken: identityToken });
    });
  };
}
