import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { UDP_IDLE_TIMEOUT_MS } from '../constants.js';
import type { ProxyTarget } from './tcp-proxy.js';

interface Flow {
  socket: Socket;
  timer: NodeJS.Timeout;
}

/**
 * A userland UDP proxy: one upstream socket per client address, so the container's replies go back
 * to the client that asked; a flow is forgotten after 90 s of silence (Docker's conntrack timeout).
 */
export class UdpProxy {
  private readonly flows = new Map<string, Flow>();

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    private readonly idleMs: number,
  ) {}

  static async listen(
    host: string,
    port: number,
    target: ProxyTarget,
    logger: Logger,
    idleMs = UDP_IDLE_TIMEOUT_MS,
  ): Promise<UdpProxy> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: host === '::' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const proxy = new UdpProxy(socket, host, socket.address().port, idleMs);
    socket.on('error', (err) => logger.warn({ err, host, port: proxy.port }, 'UDP proxy error'));
    socket.on('message', (msg, rinfo) => proxy.forward(msg, rinfo.address, rinfo.port, target, logger));
    return proxy;
  }

  async close(): Promise<void> {
    for (const flow of this.flows.values()) {
      clearTimeout(flow.timer);
      flow.socket.close();
    }
    this.flows.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private forward(
    msg: Buffer,
    clientHost: string,
    clientPort: number,
    target: ProxyTarget,
    logger: Logger,
  ): void {
    const to = target();
    if (!to) return;
    const key = `${clientHost}|${clientPort}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const upstream = createSocket(isIPv6(to.host) ? 'udp6' : 'udp4');
      const forget = () => {
        this.flows.delete(key);
        upstream.close();
      };
      flow = { socket: upstream, timer: setTimeout(forget, this.idleMs).unref() };
      const current = flow;
      upstream.on('message', (reply) => {
        current.timer.refresh();
        this.socket.send(reply, clientPort, clientHost);
      });
      upstream.on('error', (err) =>
        logger.debug({ err, target: to }, 'UDP proxy could not reach the container'),
      );
      this.flows.set(key, flow);
    }
    flow.timer.refresh();
    flow.socket.send(msg, to.port, to.host);
  }
}
