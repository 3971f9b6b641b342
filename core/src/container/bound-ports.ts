import type { WirePortBinding } from '../engine/wire-types.js';
import { PortNotMappedError } from '../errors.js';
import { type PortProtocol, parsePortKey, portKey } from './port.js';

export interface PortBinding {
  /** `"80/tcp"` */
  key: string;
  container: number;
  protocol: PortProtocol;
  hostPort: number;
  hostIp: string;
}

/** IPv4 (or unspecified) bindings first, so the port matches `127.0.0.1` (testcontainers-node #750, #818). */
function ipv4First(a: WirePortBinding, b: WirePortBinding): number {
  const v6 = (x: WirePortBinding) => ((x.HostIp ?? '').includes(':') ? 1 : 0);
  return v6(a) - v6(b);
}

/** The container's published ports, as the test process reaches them. */
export class BoundPorts {
  private readonly byKey: Map<string, PortBinding>;

  constructor(bindings: PortBinding[]) {
    this.byKey = new Map(bindings.map((b) => [b.key, b]));
  }

  /** `declared`: the exposed port keys in the order the user gave them, which `first()` follows. */
  static fromInspect(
    ports: Record<string, WirePortBinding[] | null> | null,
    declared: string[] = [],
  ): BoundPorts {
    const bindings: PortBinding[] = [];
    for (const [key, list] of Object.entries(ports ?? {})) {
      const first = [...(list ?? [])].filter((b) => b.HostPort).sort(ipv4First)[0];
      if (!first?.HostPort) continue;
      const { port, protocol } = parsePortKey(key);
      bindings.push({
        key,
        container: port,
        protocol,
        hostPort: Number(first.HostPort),
        hostIp: first.HostIp ?? '',
      });
    }
    const rank = (key: string) => {
      const i = declared.indexOf(key);
      return i < 0 ? declared.length : i;
    };
    bindings.sort((a, b) => rank(a.key) - rank(b.key));
    return new BoundPorts(bindings);
  }

  /** `binding(80)`, `binding("53/udp")`, `binding(53, "udp")`. */
  binding(port: number | string, protocol?: PortProtocol): PortBinding {
    const parsed = parsePortKey(port);
    const key = portKey(parsed.port, protocol ?? parsed.protocol);
    const found = this.byKey.get(key);
    if (!found) throw new PortNotMappedError(key, [...this.byKey.keys()]);
    return found;
  }

  getMappedPort(port: number | string, protocol?: PortProtocol): number {
    return this.binding(port, protocol).hostPort;
  }

  /** The first exposed port's host port (ports in the order they were declared). */
  first(): number {
    const first = this.byKey.values().next();
    if (first.done) throw new PortNotMappedError('(first)', []);
    return first.value.hostPort;
  }

  all(): PortBinding[] {
    return [...this.byKey.values()];
  }

  /** Whether every key in `wanted` has a binding (the engine may publish asynchronously). */
  covers(wanted: string[]): boolean {
    return wanted.every((k) => this.byKey.has(k));
  }
}
