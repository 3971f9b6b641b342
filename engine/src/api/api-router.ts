import type { ApiBackends } from './api-backends.js';
import { Router } from './router.js';
import { registerArchiveRoutes } from './routes/archive-routes.js';
import { registerContainerIoRoutes } from './routes/container-io-routes.js';
import { registerContainerRoutes } from './routes/container-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerExecRoutes } from './routes/exec-routes.js';
import { registerImageRoutes } from './routes/image-routes.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerVolumeRoutes } from './routes/volume-routes.js';

/** A resource's routes; networks, volumes, build and auth plug in the same way. */
export type RouteModule = (router: Router, backends: ApiBackends) => void;

export const CORE_ROUTES: readonly RouteModule[] = [
  registerSystemRoutes,
  registerContainerRoutes,
  registerContainerIoRoutes,
  registerArchiveRoutes,
  registerExecRoutes,
  registerImageRoutes,
  registerVolumeRoutes,
  registerEventRoutes,
];

/** The Docker-compatible router: the core resources plus any `extra` modules (networks, build, …). */
export function createApiRouter(backends: ApiBackends, extra: readonly RouteModule[] = []): Router {
  const router = new Router();
  for (const register of [...CORE_ROUTES, ...extra]) register(router, backends);
  return router;
}
