import { isIPv6 } from 'node:net';
import type { NetworkCreateRequest, NetworkInspect } from '@skiff/net';
import { InvalidArgumentError } from '../../errors.js';
import type { NetworkConnectInput } from '../../networks/network-service.js';
import {
  isObject,
  type JsonObject,
  optArray,
  optBool,
  optObject,
  optString,
  optStringArray,
  optStringMap,
  requireObject,
} from './wire-value.js';

/** moby `api/types/network.EndpointResource`: one container in `Containers`. */
export interface NetworkEndpointWire {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** moby `api/types/network.Inspect` (`GET /networks/{id}`, and each item of `GET /networks`). */
export interface NetworkWire {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string> | null;
    Config: { Subnet: string; Gateway: string }[];
  };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkEndpointWire>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export function toNetworkWire(n: NetworkInspect): NetworkWire {
  const containers: Record<string, NetworkEndpointWire> = {};
  for (const [id, c] of Object.entries(n.containers)) {
    containers[id] = {
      Name: c.name,
      EndpointID: c.endpointId,
      MacAddress: c.macAddress,
      IPv4Address: c.ipv4Address,
      IPv6Address: '',
    };
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [],
    },
    Internal: n.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

function refuse(field: string, why: string): never {
  throw new InvalidArgumentError(`${field} is not supported: ${why}`);
}

/** `IPAM`: the default driver and at most one IPv4 pool, given as subnet and optional gateway. */
function parseIpam(body: JsonObject, request: NetworkCreateRequest): void {
  const ipam = optObject(body, 'IPAM');
  if (!ipam) return;
  const driver = optString(ipam, 'Driver', 'IPAM.Driver') ?? '';
  if (driver !== '' && driver !== 'default') {
    refuse(`IPAM driver ${JSON.stringify(driver)}`, 'Skiff allocates addresses itself (driver "default")');
  }
  const configs = optArray(ipam, 'Config', 'IPAM.Config') ?? [];
  if (configs.length > 1) {
    refuse(`more than one IPAM config (${configs.length})`, 'a Skiff network has one IPv4 subnet');
  }
  const [config] = configs;
  if (config === undefined || config === null) return;
  if (!isObject(config)) throw new InvalidArgumentError('invalid IPAM.Config[0]: expected an object');
  const subnet = optString(config, 'Subnet', 'IPAM.Config[0].Subnet') ?? '';
  const gateway = optString(config, 'Gateway', 'IPAM.Config[0].Gateway') ?? '';
  const ipRange = optString(config, 'IPRange', 'IPAM.Config[0].IPRange') ?? '';
  const aux = optStringMap(config, 'AuxiliaryAddresses', 'IPAM.Config[0].AuxiliaryAddresses') ?? {};
  if (isIPv6(subnet.split('/')[0] ?? '')) {
    refuse(`IPv6 subnet ${subnet}`, 'Skiff networks are IPv4 only');
  }
  if (ipRange !== '') refuse(`IP range ${ipRange}`, 'addresses come from the whole subnet');
  if (Object.keys(aux).length > 0) refuse('auxiliary addresses', 'every address of the subnet is leased');
  if (subnet !== '') request.subnet = subnet;
  if (gateway !== '') {
    if (subnet === '') throw new InvalidArgumentError(`gateway ${gateway} needs a subnet it belongs to`);
    request.gateway = gateway;
  }
}

/**
 * `POST /networks/create`: the docker CLI's body (`Driver`, `Scope`, `IPAM`, `ConfigOnly`, …),
 * dockerode's and testcontainers' (`CheckDuplicate`, which is always on: names are unique).
 * What Skiff cannot do (IPv6, other drivers, ingress, config-only networks) is refused by name.
 */
export function toNetworkCreateRequest(raw: unknown): NetworkCreateRequest {
  const body = requireObject(raw ?? {}, 'network create body');
  const name = optString(body, 'Name') ?? '';
  if (name === '') throw new InvalidArgumentError('no network name given: the create body needs "Name"');
  const request: NetworkCreateRequest = { name };
  const driver = optString(body, 'Driver') ?? '';
  if (driver !== '' && driver !== 'bridge') {
    throw new InvalidArgumentError(
      `network driver ${JSON.stringify(driver)} is not supported: Skiff creates bridge networks only`,
    );
  }
  const scope = optString(body, 'Scope') ?? '';
  if (scope !== '' && scope !== 'local') refuse(`scope ${JSON.stringify(scope)}`, 'networks are local');
  if (optBool(body, 'EnableIPv6')) refuse('EnableIPv6', 'Skiff networks are IPv4 only');
  if (optBool(body, 'Ingress')) refuse('Ingress', 'there is no swarm');
  if (optBool(body, 'ConfigOnly')) refuse('ConfigOnly', 'every network is a real bridge');
  const configFrom = optObject(body, 'ConfigFrom');
  const from = configFrom ? (optString(configFrom, 'Network', 'ConfigFrom.Network') ?? '') : '';
  if (from !== '') refuse(`ConfigFrom ${JSON.stringify(from)}`, 'config-only networks do not exist here');
  const internal = optBool(body, 'Internal');
  if (internal !== undefined) request.internal = internal;
  const labels = optStringMap(body, 'Labels');
  if (labels) request.labels = labels;
  const options = optStringMap(body, 'Options');
  if (options) request.options = options;
  parseIpam(body, request);
  return request;
}

function requireContainer(body: JsonObject): string {
  const container = optString(body, 'Container') ?? '';
  if (container === '') throw new InvalidArgumentError('no container given: the body needs "Container"');
  return container;
}

/** `POST /networks/{id}/connect`: `{Container, EndpointConfig: {Aliases, IPAMConfig: {IPv4Address}}}`. */
export function toNetworkConnectInput(raw: unknown): NetworkConnectInput {
  const body = requireObject(raw ?? {}, 'network connect body');
  const input: NetworkConnectInput = { container: requireContainer(body), aliases: [] };
  const endpoint = optObject(body, 'EndpointConfig');
  if (!endpoint) return input;
  input.aliases = optStringArray(endpoint, 'Aliases', 'EndpointConfig.Aliases') ?? [];
  const ipam = optObject(endpoint, 'IPAMConfig', 'EndpointConfig.IPAMConfig');
  const ipv4 = ipam ? optString(ipam, 'IPv4Address', 'EndpointConfig.IPAMConfig.IPv4Address') : undefined;
  const ipv6 = ipam ? optString(ipam, 'IPv6Address', 'EndpointConfig.IPAMConfig.IPv6Address') : undefined;
  if (ipv6) refuse(`IPv6 address ${ipv6}`, 'Skiff networks are IPv4 only');
  if (ipv4) input.ipv4Address = ipv4;
  return input;
}

/** `POST /networks/{id}/disconnect`: `{Container, Force}`. */
export function toNetworkDisconnectInput(raw: unknown): { container: string; force: boolean } {
  const body = requireObject(raw ?? {}, 'network disconnect body');
  return { container: requireContainer(body), force: optBool(body, 'Force') ?? false };
}
