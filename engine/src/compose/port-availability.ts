import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { ContainerSummaryWire } from '../api/wire/container-wire.js';
import { PortTakenError, type TakenPort } from './compose-errors.js';
import type { PortConfig } from './compose-model.js';

/** Can a port be bound on the host right now? */
export interface PortProbe {
  isFree(hostIp: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean>;
}

/** Binds the port for a moment, as the engine's proxy would (`EADDRINUSE` means taken). */
export const hostPortProbe: PortProbe = {
  isFree(hostIp, port, protocol) {
    return new Promise((resolve, reject) => {
      const settle = (err: NodeJS.ErrnoException | undefined, close: () => void) => {
        if (!err) {
          close();
          resolve(true);
        } else if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
        else reject(err);
      };
      if (protocol === 'udp') {
        const socket = createSocket(hostIp.includes(':') ? 'udp6' : 'udp4');
        socket.once('error', (err) => settle(err, () => {}));
        socket.bind({ address: hostIp, port, exclusive: true }, () =>
          settle(undefined, () => socket.close()),
        );
        return;
      }
      const server = createServer();
      server.once('error', (err) => settle(err, () => {}));
      server.listen({ host: hostIp, port, exclusive: true }, () => settle(undefined, () => server.close()));
    });
  },
};

function overlaps(a: string, b: string): boolean {
  const any = (ip: string) => ip === '0.0.0.0' || ip === '::';
  return a === b || any(a) || any(b);
}

export interface PublishedPort extends PortConfig {
  service: string;
}

/**
 * Checks every fixed host port the run will publish, before anything starts: two services of the
 * file on one port, and ports something on the host already listens on. `ownPorts` are ports this
 * environment's existing containers hold (a repeated `up` frees or keeps them itself); `containers`
 * (everything on the engine) name who holds a taken port when an engine container does.
 */
export async function checkPublishedPorts(
  ports: readonly PublishedPort[],
  probe: PortProbe,
  ownPorts: ReadonlySet<string>,
  containers: readonly ContainerSummaryWire[],
): Promise<void> {
  const taken: TakenPort[] = [];
  const fixed = ports.filter((p) => p.published !== 0);
  fixed.forEach((p, i) => {
    const earlier = fixed
      .slice(0, i)
      .find((q) => q.published === p.published && q.protocol === p.protocol && overlaps(q.hostIp, p.hostIp));
    if (earlier) {
      taken.push({
        service: p.service,
        hostIp: p.hostIp,
        port: p.published,
        protocol: p.protocol,
        takenBy: `service "${earlier.service}" of this file publishes it too`,
      });
    }
  });
  const checked = new Set<string>();
  for (const p of fixed) {
    const key = `${p.hostIp}:${p.published}/${p.protocol}`;
    if (checked.has(key) || ownPorts.has(`${p.published}/${p.protocol}`)) continue;
    checked.add(key);
    if (await probe.isFree(p.hostIp, p.published, p.protocol)) continue;
    const holder = containers.find((c) =>
      c.Ports.some((x) => x.PublicPort === p.published && x.Type === p.protocol),
    );
    const env = holder?.Labels['com.docker.compose.project'];
    taken.push({
      service: p.service,
      hostIp: p.hostIp,
      port: p.published,
      protocol: p.protocol,
      takenBy: holder
        ? `container ${holder.Names[0]?.replace(/^\//, '') ?? holder.Id.slice(0, 12)}${env ? ` of environment "${env}"` : ''} publishes it`
        : 'another program on this host listens on it',
    });
  }
  if (taken.length > 0) throw new PortTakenError(taken);
}
