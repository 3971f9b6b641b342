import type { PortSpec } from '../../containers/container-spec.js';
import { InvalidArgumentError } from '../../errors.js';

/** Parses a port key of the wire format: `80`, `80/tcp`, `53/udp`. */
export function parsePortKey(key: string, field = 'port'): PortSpec {
  const slash = key.indexOf('/');
  const portText = slash < 0 ? key : key.slice(0, slash);
  const proto = slash < 0 ? 'tcp' : key.slice(slash + 1).toLowerCase();
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(key)}: the port must be 1-65535`);
  }
  if (proto !== 'tcp' && proto !== 'udp') {
    throw new InvalidArgumentError(`invalid ${field} ${JSON.stringify(key)}: protocol must be tcp or udp`);
  }
  return { containerPort: port, protocol: proto };
}

export function portKey(port: PortSpec): string {
  return `${port.containerPort}/${port.protocol}`;
}
