import { describe, expect, it } from 'vitest';
import { BoundPorts } from './bound-ports.js';
import { parsePortSpec } from './port.js';

describe('BoundPorts', () => {
  const ports = {
    '5432/tcp': [
      { HostIp: '::', HostPort: '49001' },
      { HostIp: '0.0.0.0', HostPort: '49000' },
    ],
    '53/udp': [{ HostIp: '127.0.0.1', HostPort: '49002' }],
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '49003' }],
    '9/tcp': null,
  };

  it('picks the IPv4 binding when IPv4 and IPv6 got different ports (testcontainers-node #750)', () => {
    expect(BoundPorts.fromInspect(ports).getMappedPort(5432)).toBe(49000);
  });

  it('maps UDP ports by "53/udp" or (53, "udp"), and names what is mapped when a port is not', () => {
    const bound = BoundPorts.fromInspect(ports);
    expect(bound.getMappedPort('53/udp')).toBe(49002);
    expect(bound.getMappedPort(53, 'udp')).toBe(49002);
    expect(() => bound.getMappedPort(53)).toThrow(/53\/tcp is not mapped; mapped ports: .*53\/udp/);
    expect(() => bound.getMappedPort(9)).toThrow(/not mapped/);
  });

  it('returns the first port in declaration order, not the engine map order', () => {
    expect(BoundPorts.fromInspect(ports, ['80/tcp', '5432/tcp']).first()).toBe(49003);
    expect(BoundPorts.fromInspect(ports, ['5432/tcp', '80/tcp']).first()).toBe(49000);
  });

  it('knows whether all declared ports are bound yet', () => {
    expect(BoundPorts.fromInspect(ports).covers(['80/tcp', '53/udp'])).toBe(true);
    expect(BoundPorts.fromInspect(ports).covers(['9/tcp'])).toBe(false);
  });
});

describe('parsePortSpec', () => {
  it('reads numbers, strings with protocol and objects with a fixed host port', () => {
    expect(parsePortSpec(80)).toEqual({ container: 80, protocol: 'tcp', host: undefined });
    expect(parsePortSpec('53/UDP')).toEqual({ container: 53, protocol: 'udp', host: undefined });
    expect(parsePortSpec({ container: 80, host: 8080 })).toEqual({
      container: 80,
      protocol: 'tcp',
      host: 8080,
    });
  });

  it('rejects what is not a port', () => {
    expect(() => parsePortSpec(0)).toThrow(/not a port number/);
    expect(() => parsePortSpec('80/icmp')).toThrow(/"80\/icmp"/);
    expect(() => parsePortSpec({ container: 80, host: 70000 })).toThrow(/host port 70000/);
  });
});
