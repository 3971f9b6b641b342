import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import type { PortBindingRequest } from '../types.js';

function parseRange(text: string, what: string, spec: string, allowZero: boolean): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  const min = allowZero ? 0 : 1;
  if (!m || start < min || end > 65535 || end < start || (start === 0 && end !== 0)) {
    throw new InvalidArgumentError(
      `invalid ${what} ${JSON.stringify(text)} in port spec ${JSON.stringify(spec)}`,
    );
  }
  return [start, end];
}

/**
 * Parses a `docker run -p` value, `[ip:][hostPort:]containerPort[/tcp|udp]`, with port ranges
 * (`8000-8001:80-81`) and IPv6 addresses in brackets (`[::1]:8080:80`). An absent host port is 0
 * (the network layer picks one); an absent ip is '' (loopback, IPv4 and IPv6).
 */
export function parsePortSpec(spec: string): PortBindingRequest[] {
  const slash = spec.lastIndexOf('/');
  const protocol = slash < 0 ? 'tcp' : spec.slice(slash + 1).toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp') {
    throw new InvalidArgumentError(
      `invalid protocol ${JSON.stringify(protocol)} in port spec ${JSON.stringify(spec)}: expected tcp or udp`,
    );
  }
  const parts = (slash < 0 ? spec : spec.slice(0, slash)).split(':');
  const containerText = parts.pop() ?? '';
  const hostPortText = parts.pop() ?? '';
  let hostIp = parts.join(':');
  if (hostIp.startsWith('[') && hostIp.endsWith(']')) hostIp = hostIp.slice(1, -1);
  if (hostIp !== '' && isIP(hostIp) === 0) {
    throw new InvalidArgumentError(
      `invalid host IP ${JSON.stringify(hostIp)} in port spec ${JSON.stringify(spec)}`,
    );
  }
  const [cStart, cEnd] = parseRange(containerText, 'container port', spec, false);
  const [hStart, hEnd] = hostPortText === '' ? [0, 0] : parseRange(hostPortText, 'host port', spec, true);
  const count = cEnd - cStart + 1;
  if (hStart !== 0 && hEnd - hStart + 1 !== count) {
    throw new InvalidArgumentError(
      `port spec ${JSON.stringify(spec)}: the host range must have as many ports as the container range`,
    );
  }
  return Array.from({ length: count }, (_, i) => ({
    containerPort: cStart + i,
    protocol,
    hostIp,
    hostPort: hStart === 0 ? 0 : hStart + i,
  }));
}
