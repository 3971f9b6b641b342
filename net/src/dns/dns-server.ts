import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';

export type DnsHandler = (
  query: Buffer,
  sourceIp: string,
  transport: 'udp' | 'tcp',
) => Promise<Buffer | undefined>;

const TCP_IDLE_MS = 10_000;

/**
 * A DNS listener on one address, UDP and TCP (RFC 7766: clients retry over TCP when an answer is
 * truncated, and some resolvers use TCP only). Each network's resolver listens on its gateway.
 */
export class DnsServer {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<Socket>();

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly handler: DnsHandler,
    private readonly logger: Logger,
  ) {}

  /** The port actually bound (differs from the requested one when it was 0). */
  get boundPort(): number {
    return this.udp?.address().port ?? this.port;
  }

  async start(): Promise<void> {
    const udp = createSocket({ type: isIPv6(this.address) ? 'udp6' : 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.port, this.address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => this.logger.warn({ err }, 'DNS UDP socket error'));
    udp.on('message', (msg, rinfo) => {
      this.handler(msg, rinfo.address, 'udp')
        .then((answer) => {
          if (answer) udp.send(answer, rinfo.port, rinfo.address);
        })
        .catch((err: unknown) => this.logger.warn({ err }, 'DNS query failed'));
    });
    this.udp = udp;

    const tcp = createServer((socket) => this.serveTcp(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ port: this.boundPort, host: this.address }, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      udp.close();
      this.udp = undefined;
      throw err;
    }
    this.tcp = tcp;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }

  private serveTcp(socket: Socket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        this.handler(Buffer.from(message), socket.remoteAddress ?? '', 'tcp')
          .then((answer) => {
            if (!answer || socket.destroyed) return;
            const framed = Buffer.alloc(2 + answer.length);
            framed.writeUInt16BE(answer.length, 0);
            answer.copy(framed, 2);
            socket.write(framed);
          })
          .catch((err: unknown) => this.logger.warn({ err }, 'DNS query over TCP failed'));
      }
    });
  }
}
