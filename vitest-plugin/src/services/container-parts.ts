import type { GenericContainer, PortSpec } from '@skiff/core';
import type { NetworkServiceInfo } from './network-service.js';
import type { ServiceStartContext } from './service-definition.js';
import { ServiceConfigError } from './service-errors.js';

/** Options every container-backed declaration (`container`, `postgres`, `redis`) understands. */
export interface ContainerPlacement {
  /** The name of a `network()` service to join; the service is reachable there by its own name. */
  network?: string;
  /** More DNS names on that network. */
  aliases?: string[];
  /** Services to start first (their infos reach a function-valued `env`). */
  dependsOn?: string[];
}

export const PLACEMENT_OPTIONS = ['network', 'aliases', 'dependsOn'] as const;

/** The names a declaration depends on: its network first, then `dependsOn`, without repeats. */
export function dependenciesOf(placement: ContainerPlacement): string[] {
  const names = [...(placement.network ? [placement.network] : []), ...(placement.dependsOn ?? [])];
  return [...new Set(names)];
}

/** Joins the declared network (if any) with the service name and aliases as DNS names. */
export function placeContainer(
  container: GenericContainer,
  placement: ContainerPlacement,
  context: ServiceStartContext,
): GenericContainer {
  if (!placement.network) {
    if (placement.aliases?.length) {
      throw new ServiceConfigError(
        `service "${context.name}" has aliases but no network: aliases are names on a network(); add network: '<name>'`,
      );
    }
    return container;
  }
  const info = context.dependencies[placement.network] as NetworkServiceInfo | undefined;
  if (!info)
    throw new ServiceConfigError(`service "${context.name}": network "${placement.network}" was not started`);
  return container
    .withNetwork({ getName: () => info.name })
    .withNetworkAliases(context.name, ...(placement.aliases ?? []));
}

/** Fixed host ports in `{ container, host }` port specs. */
export function fixedHostPorts(ports: readonly PortSpec[] | undefined): number[] {
  return (ports ?? []).flatMap((p) => (typeof p === 'object' && p.host !== undefined ? [p.host] : []));
}

/** The key a port has in `ports` of an info: `"8080"` for TCP, `"53/udp"` otherwise. */
export function portKey(spec: PortSpec): string {
  if (typeof spec === 'number') return String(spec);
  if (typeof spec === 'string') return spec.replace(/\/tcp$/i, '');
  return spec.protocol && spec.protocol !== 'tcp'
    ? `${spec.container}/${spec.protocol}`
    : String(spec.container);
}

export type { DependencyInfos } from './service-definition.js';
