import { HOST_ALIASES } from '../constants.js';
import { inspectNetwork } from '../engine/networks-api.js';
import type { WireContainerInspect } from '../engine/wire-types.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import { HostPortForwarders } from './host-port-forwarder.js';

/**
 * `ExtraHosts` entries that make `host.skiff.internal` (and testcontainers'
 * `host.testcontainers.internal`) point at the host. skiffd maps `host.skiff.internal` itself (its
 * net layer points it at the bridge gateway); the rest get the network's gateway, or Docker's
 * `host-gateway` when the gateway is unknown.
 */
export async function hostAliasEntries(
  runtime: SkiffRuntime,
  networkMode: string | undefined,
): Promise<string[]> {
  if (runtime.exposedHostPorts.size === 0) return [];
  const skiff = runtime.engineKind === 'skiff';
  // skiffd maps host.skiff.internal itself; the testcontainers spelling is added like on other engines.
  const aliases = skiff ? HOST_ALIASES.filter((a) => a !== 'host.skiff.internal') : [...HOST_ALIASES];
  let gateway: string | undefined;
  try {
    const network = await inspectNetwork(runtime.client, networkMode ?? 'bridge');
    gateway = network.IPAM?.Config?.find((c) => c.Gateway && !c.Gateway.includes(':'))?.Gateway;
  } catch {
    gateway = undefined;
  }
  // `host-gateway` is Docker's (20.10+) and Podman's; skiffd gets an address or nothing.
  if (!gateway && skiff) return [];
  return aliases.map((alias) => `${alias}:${gateway ?? 'host-gateway'}`);
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
