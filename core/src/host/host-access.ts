import { HOST_ALIASES } from '../constants.js';
import { inspectNetwork } from '../engine/networks-api.js';
import type { WireContainerInspect } from '../engine/wire-types.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { HostPortForwarders } from './host-port-forwarder.js';

/**
 * `ExtraHosts` entries that make `host.skiff.internal` (and testcontainers'
 * `host.testcontainers.internal`) point at the host. skiffd adds them itself (its net layer maps
 * them to the bridge gateway); Docker and Podman get the network's gateway, or `host-gateway`
 * when the gateway is unknown.
 */
export async function hostAliasEntries(
  runtime: SkiffRuntime,
  networkMode: string | undefined,
): Promise<string[]> {
  if (runtime.exposedHostPorts.size === 0 || runtime.engineKind === 'skiff') return [];
  let gateway: string | undefined;
  try {
    const network = await inspectNetwork(runtime.client, networkMode ?? 'bridge');
    gateway = network.IPAM?.Config?.find((c) => c.Gateway && !c.Gateway.includes(':'))?.Gateway;
  } catch {
    gateway = undefined;
  }
  return HOST_ALIASES.map((alias) => `${alias}:${gateway ?? 'host-gateway'}`);
}

/** After start: forward every exposed host port on each gateway the container sees the host at. */
export async function forwardHostPorts(runtime: SkiffRuntime, inspect: WireContainerInspect): Promise<void> {
  if (runtime.exposedHostPorts.size === 0) return;
  let fw = runtime.hostForwarders;
  if (!fw) {
    const created = new HostPortForwarders(runtime.logger);
    runtime.hostForwarders = created;
    runtime.onClose(() => created.close());
    fw = created;
  }
  const gateways = Object.values(inspect.NetworkSettings.Networks ?? {})
    .map((n) => n.Gateway)
    .filter((g) => g && !g.includes(':'));
  for (const gateway of new Set(gateways)) {
    for (const port of runtime.exposedHostPorts) await fw.ensure(gateway, port);
  }
}
