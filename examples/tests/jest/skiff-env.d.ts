// Types the services' connection details for service(): declared once, in skiff.config.ts.
import type { ProvidedServices } from '@skiff/jest';
import type { services } from '../../skiff.config.js';

declare module '@skiff/jest' {
  interface SkiffServices extends ProvidedServices<typeof services> {}
}
