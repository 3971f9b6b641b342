import { writeFile } from 'node:fs/promises';
import type { EndpointRequest } from '@skiff/net';
import { ConflictError, InvalidArgumentError } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';
import type { EndpointSpec } from './container-spec.js';

function joined(ctx: ContainerContext, record: ContainerRecord): boolean {
  return isRunningStatus(record.state.status) && !!ctx.live.get(record.id)?.hasSandbox;
}

/** The names a network goes by: as given, and its name and ID when the manager knows it. */
async function namesOf(ctx: ContainerContext, ref: string): Promise<Set<string>> {
  const names = new Set([ref]);
  const network = await ctx.deps.network?.getNetwork(ref).catch(() => undefined);
  if (network) {
    names.add(network.name);
    names.add(network.id);
  }
  return names;
}

/** moby: a container in `host`, `none` or `container:<id>` mode has no endpoints to add. */
function checkJoinable(record: ContainerRecord, network: string): void {
  const mode = record.spec.networkMode;
  if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
    throw new InvalidArgumentError(
      `container ${record.spec.name} cannot be connected to network ${network}: its network mode is ${mode}, which shares another namespace or has none`,
    );
  }
}

/**
 * After connect/disconnect, a running container's `/etc/hosts` lists its new addresses. The file
 * is bind-mounted, so it is rewritten in place (same inode) rather than replaced; containers that
 * share this one's namespace (`container:<id>`) mount the same file.
 */
async function rewriteHosts(ctx: ContainerContext, record: ContainerRecord): Promise<void> {
  const hosts = ctx.deps.network?.getSandbox?.(record.id)?.hosts;
  if (hosts === undefined || !record.hostsPath) return;
  await writeFile(record.hostsPath, hosts);
}

/** `POST /networks/{id}/connect`: kept in the spec for the next start; joined now when running. */
export async function connectContainerNetwork(
  ctx: ContainerContext,
  record: ContainerRecord,
  endpoint: EndpointSpec,
): Promise<void> {
  checkJoinable(record, endpoint.network);
  const names = await namesOf(ctx, endpoint.network);
  if (record.spec.endpoints.some((e) => names.has(e.network))) {
    throw new ConflictError(
      `endpoint with name ${record.spec.name} already exists in network ${endpoint.network}`,
    );
  }
  const network = ctx.deps.network;
  if (network && joined(ctx, record)) {
    const request: EndpointRequest = {
      network: endpoint.network,
      aliases: endpoint.aliases,
      ...(endpoint.ipv4Address ? { ipv4Address: endpoint.ipv4Address } : {}),
    };
    record.endpoints.push(await network.connect(record.id, request));
    await rewriteHosts(ctx, record);
  }
  record.spec.endpoints.push(endpoint);
  await ctx.store.save(record);
}

/**
 * `POST /networks/{id}/disconnect`: dropped from the spec, and from the running sandbox. Without
 * `force`, a container that is not on the network is an error. Disconnecting the network of
 * `NetworkMode` makes the next remaining one primary (moby keeps no endpoint for it either).
 */
export async function disconnectContainerNetwork(
  ctx: ContainerContext,
  record: ContainerRecord,
  networkRef: string,
  force = false,
): Promise<void> {
  const names = await namesOf(ctx, networkRef);
  const inSpec = record.spec.endpoints.some((e) => names.has(e.network));
  const live = record.endpoints.some((e) => names.has(e.networkName) || names.has(e.networkId));
  if (!inSpec && !live) {
    if (force) return;
    throw new ConflictError(`container ${record.spec.name} is not connected to network ${networkRef}`);
  }
  const network = ctx.deps.network;
  if (network && live && joined(ctx, record)) {
    await network.disconnect(record.id, networkRef);
    record.endpoints = record.endpoints.filter((e) => !names.has(e.networkName) && !names.has(e.networkId));
    await rewriteHosts(ctx, record);
  }
  record.spec.endpoints = record.spec.endpoints.filter((e) => !names.has(e.network));
  const next = record.spec.endpoints[0];
  if (names.has(record.spec.networkMode) && next) record.spec.networkMode = next.network;
  await ctx.store.save(record);
}
