import type { SkiffRunContext } from './services/provision-services.js';

declare module 'vitest' {
  /**
   * `inject('skiff')`: the engine, session and broker of this run's services. Each service's own
   * details are provided under its name; type them by extending this interface with
   * `ProvidedServices<typeof services>` (see the package README).
   */
  interface ProvidedContext {
    skiff: SkiffRunContext;
  }
}
