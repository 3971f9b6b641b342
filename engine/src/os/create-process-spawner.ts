import { NativeProcessSpawner } from './native-process-spawner.js';
import { NodeProcessSpawner } from './node-process-spawner.js';
import { loadOsAddon } from './os-addon.js';
import type { ProcessSpawner } from './process-spawner.js';

/** The native spawner when the addon loads (see `loadOsAddon`), else child_process; and why. */
export function createProcessSpawner(env: NodeJS.ProcessEnv = process.env): {
  spawner: ProcessSpawner;
  fallbackReason?: string;
} {
  const loaded = loadOsAddon(env);
  if ('addon' in loaded) return { spawner: new NativeProcessSpawner(loaded.addon) };
  return { spawner: new NodeProcessSpawner(), fallbackReason: loaded.missing };
}
