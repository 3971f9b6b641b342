import type { ProvisionedServices } from '@skiff/vitest';
import { PROCESS_SLOT } from './constants.js';

export interface ProvisionedEntry {
  provisioned: ProvisionedServices;
  stateFile: string;
  dir: string;
}

/**
 * Provisioned services by config file, kept on the process (a registered symbol on `globalThis`):
 * jest may load the setup and teardown modules afresh for every watch-mode run, and the services
 * of the first run must be found again, not started twice.
 */
export function processState(): Map<string, ProvisionedEntry> {
  const slot = globalThis as unknown as Record<symbol, Map<string, ProvisionedEntry> | undefined>;
  slot[PROCESS_SLOT] ??= new Map();
  return slot[PROCESS_SLOT];
}
