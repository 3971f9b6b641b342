import { describe, expect, it } from 'vitest';
import {
  toNetworkConnectInput,
  toNetworkCreateRequest,
  toNetworkDisconnectInput,
  toNetworkWire,
} from './network-mapper.js';

describe('network create bodies', () => {
  it('reads the docker CLI body (`docker network create --subnet --gateway --internal --label`)', () => {
    const body = {
      Name: 'app',
      Driver: 'bridge',
      Scope: '',
      EnableIPv6: false,
      IPAM: {
        Driver: 'default',
        Options: {},
        Config: [{ Subnet: '10.211.3.0/24', Gateway: '10.211.3.254' }],
      },
      Internal: true,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      ConfigFrom: null,
      Options: { 'com.docker.network.bridge.enable_icc': 'true' },
      Labels: { team: 'net' },
    };
    expect(toNetworkCreateRequest(body)).toEqual({
      name: 'app',
      internal: true,
      subnet: '10.211.3.0/24',
      gateway: '10.211.3.254',
      labels: { team: 'net' },
      options: { 'com.docker.network.bridge.enable_icc': 'true' },
    });
  });

  it("reads dockerode's and testcontainers' body (CheckDuplicate, no IPAM)", () => {
    const body = {
      Name: '2c1f1d4e-0b8a-4d1c-9d62-3f0ab0c2e7f1',
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: false,
      Attachable: false,
      Ingress: false,
      EnableIPv6: false,
      Labels: { 'org.testcontainers': 'true' },
    };
    expect(toNetworkCreateRequest(body)).toEqual({
      name: '2c1f1d4e-0b8a-4d1c-9d62-3f0ab0c2e7f1',
      internal: false,
      labels: { 'org.testcontainers': 'true' },
    });
  });

  it('refuses what Skiff cannot create, naming the value', () => {
    expect(() => toNetworkCreateRequest({})).toThrow(/needs "Name"/);
    expect(() => toNetworkCreateRequest({ Name: 'a', Driver: 'overlay' })).toThrow(
      /"overlay" is not supported/,
    );
    expect(() => toNetworkCreateRequest({ Name: 'a', EnableIPv6: true })).toThrow(
      /EnableIPv6 is not supported/,
    );
    expect(() => toNetworkCreateRequest({ Name: 'a', IPAM: { Config: [{ Subnet: 'fd00::/64' }] } })).toThrow(
      /IPv6 subnet fd00::\/64/,
    );
    expect(() =>
      toNetworkCreateRequest({
        Name: 'a',
        IPAM: { Config: [{ Subnet: '10.1.0.0/24' }, { Subnet: '10.2.0.0/24' }] },
      }),
    ).toThrow(/more than one IPAM config \(2\)/);
    expect(() => toNetworkCreateRequest({ Name: 'a', IPAM: { Config: [{ Gateway: '10.1.0.1' }] } })).toThrow(
      /gateway 10.1.0.1 needs a subnet/,
    );
    expect(() => toNetworkCreateRequest({ Name: 'a', Labels: { a: 1 } })).toThrow(
      /Labels.a: expected a string/,
    );
    expect(() => toNetworkCreateRequest('x')).toThrow(/expected a JSON object/);
  });
});

describe('connect and disconnect bodies', () => {
  it('reads aliases and a fixed address', () => {
    expect(
      toNetworkConnectInput({
        Container: 'web',
        EndpointConfig: { Aliases: ['db', 'primary'], IPAMConfig: { IPv4Address: '10.211.3.9' } },
      }),
    ).toEqual({ container: 'web', aliases: ['db', 'primary'], ipv4Address: '10.211.3.9' });
    expect(toNetworkConnectInput({ Container: 'web' })).toEqual({ container: 'web', aliases: [] });
    expect(() => toNetworkConnectInput({ EndpointConfig: {} })).toThrow(/needs "Container"/);
    expect(toNetworkDisconnectInput({ Container: 'web', Force: true })).toEqual({
      container: 'web',
      force: true,
    });
  });
});

describe('network inspect shape', () => {
  it("has Docker's fields, with containers and an empty IPAM config for host and none", () => {
    const wire = toNetworkWire({
      id: 'a'.repeat(64),
      name: 'app',
      driver: 'bridge',
      created: '2024-01-01T00:00:00.000Z',
      subnet: '10.211.3.0/24',
      gateway: '10.211.3.1',
      bridge: 'skf-aaaaaaaa',
      internal: false,
      labels: { a: 'b' },
      options: {},
      builtIn: false,
      containers: {
        ['c'.repeat(64)]: {
          name: 'web',
          endpointId: 'e'.repeat(64),
          macAddress: '02:42:0a:d3:03:02',
          ipv4Address: '10.211.3.2/24',
        },
      },
    });
    expect(wire).toMatchObject({
      Name: 'app',
      Scope: 'local',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.211.3.0/24', Gateway: '10.211.3.1' }] },
      ConfigFrom: { Network: '' },
      Containers: {
        ['c'.repeat(64)]: {
          Name: 'web',
          EndpointID: 'e'.repeat(64),
          MacAddress: '02:42:0a:d3:03:02',
          IPv4Address: '10.211.3.2/24',
          IPv6Address: '',
        },
      },
      Labels: { a: 'b' },
    });
    const none = toNetworkWire({ ...wireless(), name: 'none', driver: 'null' });
    expect(none.IPAM.Config).toEqual([]);
  });
});

function wireless() {
  return {
    id: 'b'.repeat(64),
    name: 'host',
    driver: 'host' as const,
    created: '2024-01-01T00:00:00.000Z',
    subnet: '',
    gateway: '',
    bridge: '',
    internal: false,
    labels: {},
    options: {},
    builtIn: true,
    containers: {},
  };
}
