import type { ContainerInspectWire, WirePortBinding } from '../../api/wire/container-wire.js';
import type { CliContext } from '../cli-context.js';
import { err, out } from '../output.js';
import { UsageError } from '../units.js';

function address(b: WirePortBinding): string {
  const ip = b.HostIp || '0.0.0.0';
  return `${ip.includes(':') ? `[${ip}]` : ip}:${b.HostPort}`;
}

function portNumber(key: string): number {
  return Number(key.split('/')[0]);
}

/**
 * `skiff port CONTAINER [PRIVATE_PORT[/PROTO]]` (docker's output): every published port as
 * `80/tcp -> 127.0.0.1:32768`, or the host addresses of one port, one per line.
 */
export async function port(ctx: CliContext, container: string, which: string | undefined): Promise<number> {
  const info = await ctx.client.json<ContainerInspectWire>(
    'GET',
    `/containers/${encodeURIComponent(container)}/json`,
  );
  const ports = info.NetworkSettings.Ports ?? {};
  if (which === undefined) {
    const keys = Object.keys(ports).sort((a, b) => portNumber(a) - portNumber(b) || a.localeCompare(b));
    for (const key of keys) for (const b of ports[key] ?? []) out(`${key} -> ${address(b)}\n`);
    return 0;
  }
  const m = /^(\d+)(?:\/(tcp|udp))?$/i.exec(which.trim());
  if (!m)
    throw new UsageError(
      `invalid port ${JSON.stringify(which)}: expected PORT or PORT/PROTO (tcp or udp)`,
      1,
    );
  const key = `${Number(m[1])}/${(m[2] ?? 'tcp').toLowerCase()}`;
  const bindings = ports[key] ?? [];
  if (bindings.length === 0) {
    err(`Error: No public port '${key}' published for ${container}`);
    return 1;
  }
  for (const b of bindings) out(`${address(b)}\n`);
  return 0;
}
