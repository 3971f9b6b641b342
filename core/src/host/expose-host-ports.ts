import { resolveRuntime } from '../runtime/default-runtime.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';

/**
 * Lets containers started from now on reach these ports of the test process at
 * `host.skiff.internal` (and `host.testcontainers.internal`). No sshd container: the engine maps
 * the names to the network gateway; loopback-only servers get a forwarder on the gateway.
 */
export async function exposeHostPorts(ports: number[], runtime?: SkiffRuntime): Promise<void> {
  (await resolveRuntime(runtime)).exposeHostPorts(...ports);
}

/** testcontainers' spelling: `TestContainers.exposeHostPorts(...ports)`. */
export const TestContainers = {
  exposeHostPorts: (...ports: number[]) => exposeHostPorts(ports),
} as const;
