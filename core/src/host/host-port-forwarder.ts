import net from 'node:net';
import type { Logger } from '../logger.js';

/**
 * Makes servers of the test process reachable from containers. A container reaches the host at
 * its network's gateway (the host side of the bridge); a server listening on all interfaces is
 * already there. For one bound to loopback only, a forwarder listens on `gateway:port` and pipes
 * to `127.0.0.1:port`. No sshd container (testcontainers' approach).
 */
export class HostPortForwarders {
  private readonly servers = new Map<string, net.Server>();
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly logger: Logger) {}

  /** Ensures `gateway:port` reaches `127.0.0.1:port`; a port already served there is left alone. */
  async ensure(gateway: string, port: number): Promise<void> {
    const key = `${gateway}:${port}`;
    if (this.servers.has(key)) return;
    const server = net.createServer((inbound) => {
      const outbound = net.connect({ host: '127.0.0.1', port });
      this.sockets.add(inbound).add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      const close = () => {
        inbound.destroy();
        outbound.destroy();
        this.sockets.delete(inbound);
        this.sockets.delete(outbound);
      };
      inbound.on('close', close);
      outbound.on('close', close);
      inbound.on('error', close);
      outbound.on('error', close);
    });
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        // EADDRINUSE: the test's server listens on every interface already, so the gateway reaches it.
        if (err.code !== 'EADDRINUSE')
          this.logger.warn({ gateway, port, err: err.message }, 'host port forwarder failed');
        resolve(false);
      });
      server.listen({ host: gateway, port, exclusive: true }, () => resolve(true));
    });
    if (!bound) return;
    server.unref();
    this.servers.set(key, server);
    this.logger.debug({ gateway, port }, 'forwarding host port to containers');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await Promise.all([...this.servers.values()].map((s) => new Promise((r) => s.close(r))));
    this.servers.clear();
  }
}
