// Types the services' connection details for inject(): declared once, in skiff.config.ts.
import type { ProvidedServices } from '@skiff/vitest';
import type { services } from '../../skiff.config.js';

declare module 'vitest' {
  interface ProvidedContext extends ProvidedServices<typeof services> {}
}
