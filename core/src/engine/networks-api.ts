import { EngineApiError } from '../errors.js';
import type { EngineClient } from './engine-client.js';
import type { WireNetworkInspect } from './wire-types.js';

export interface CreateNetworkBody {
  Name: string;
  Driver: string;
  Internal: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  Labels: Record<string, string>;
  IPAM?: { Driver: string; Config: { Subnet?: string; Gateway?: string; IPRange?: string }[] };
  Options?: Record<string, string>;
}

export async function createNetwork(client: EngineClient, body: CreateNetworkBody): Promise<string> {
  const res = await client.json<{ Id: string }>('POST', '/networks/create', {
    body: { CheckDuplicate: true, ...body },
  });
  return res.Id;
}

export async function inspectNetwork(client: EngineClient, idOrName: string): Promise<WireNetworkInspect> {
  return client.json<WireNetworkInspect>('GET', `/networks/${encodeURIComponent(idOrName)}`);
}

export async function listNetworks(
  client: EngineClient,
  filters: Record<string, string[]>,
): Promise<WireNetworkInspect[]> {
  return client.json<WireNetworkInspect[]>('GET', '/networks', { query: { filters } });
}

/** Removes a network; one that is already gone is not an error. */
export async function removeNetwork(client: EngineClient, idOrName: string): Promise<void> {
  try {
    await client.call('DELETE', `/networks/${encodeURIComponent(idOrName)}`);
  } catch (err) {
    if (err instanceof EngineApiError && err.statusCode === 404) return;
    throw err;
  }
}

export async function connectNetwork(
  client: EngineClient,
  network: string,
  containerId: string,
  aliases: string[],
): Promise<void> {
  await client.call('POST', `/networks/${encodeURIComponent(network)}/connect`, {
    body: { Container: containerId, EndpointConfig: { Aliases: aliases } },
  });
}
