import { InvalidArgumentError } from '../errors.js';

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** How testcontainers users give ports: `80`, `"53/udp"`, or `{ container, host?, protocol? }`. */
export type PortSpec = number | string | { container: number; host?: number; protocol?: PortProtocol };

export interface ExposedPort {
  container: number;
  protocol: PortProtocol;
  /** A fixed host port; `undefined` lets the engine pick a free one. */
  host: number | undefined;
}

function checkPort(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidArgumentError(`${what} ${value} is not a port number (1-65535)`);
  }
  return value;
}

/** Parses `80`, `"80"`, `"53/udp"` into a port and protocol. */
export function parsePortKey(value: number | string): { port: number; protocol: PortProtocol } {
  if (typeof value === 'number') return { port: checkPort(value, 'port'), protocol: 'tcp' };
  const match = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(value.trim());
  if (!match)
    throw new InvalidArgumentError(
      `port ${JSON.stringify(value)} is not "<port>" or "<port>/<tcp|udp|sctp>"`,
    );
  return {
    port: checkPort(Number(match[1]), 'port'),
    protocol: (match[2]?.toLowerCase() ?? 'tcp') as PortProtocol,
  };
}

export function parsePortSpec(spec: PortSpec): ExposedPort {
  if (typeof spec === 'object') {
    return {
      container: checkPort(spec.container, 'container port'),
      protocol: spec.protocol ?? 'tcp',
      host: spec.host === undefined ? undefined : checkPort(spec.host, 'host port'),
    };
  }
  const { port, protocol } = parsePortKey(spec);
  return { container: port, protocol, host: undefined };
}

export function portKey(port: number, protocol: PortProtocol = 'tcp'): string {
  return `${port}/${protocol}`;
}
