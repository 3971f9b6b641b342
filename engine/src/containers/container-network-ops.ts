import type { EndpointRequest } from '@skiff/net';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';
import type { EndpointSpec } from './container-spec.js';

function joined(ctx: ContainerContext, record: ContainerRecord): boolean {
  return isRunningStatus(record.state.status) && !!ctx.live.get(record.id)?.hasSandbox;
}

/** `POST /networks/{id}/connect`: kept in the spec for the next start; joined now when running. */
export async function connectContainerNetwork(
  ctx: ContainerContext,
  record: ContainerRecord,
  endpoint: EndpointSpec,
): Promise<void> {
  if (!record.spec.endpoints.some((e) => e.network === endpoint.network))
    record.spec.endpoints.push(endpoint);
  const network = ctx.deps.network;
  if (network && joined(ctx, record)) {
    const request: EndpointRequest = {
      network: endpoint.network,
      aliases: endpoint.aliases,
      ...(endpoint.ipv4Address ? { ipv4Address: endpoint.ipv4Address } : {}),
    };
    record.endpoints.push(await network.connect(record.id, request));
  }
  await ctx.store.save(record);
}

/** `POST /networks/{id}/disconnect`: dropped from the spec, and from the running sandbox. */
export async function disconnectContainerNetwork(
  ctx: ContainerContext,
  record: ContainerRecord,
  networkRef: string,
): Promise<void> {
  record.spec.endpoints = record.spec.endpoints.filter((e) => e.network !== networkRef);
  const network = ctx.deps.network;
  if (network && joined(ctx, record)) {
    await network.disconnect(record.id, networkRef);
    record.endpoints = record.endpoints.filter(
      (e) => e.networkName !== networkRef && e.networkId !== networkRef,
    );
  }
  await ctx.store.save(record);
}
