import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { DNS_FORWARD_TIMEOUT_MS, DNS_UPSTREAM_BACKOFF_MS } from '../constants.js';

export interface Upstream {
  address: string;
  port: number;
}

/**
 * Forwards a raw DNS query over UDP to the first upstream that answers within a short timeout.
 * Containers have no route beyond the machine, but the resolver runs on the host and may reach the
 * host's resolvers; when one does not answer it is skipped for a while, so names outside the
 * machine fail fast (SERVFAIL) instead of stalling every lookup.
 */
export class UpstreamForwarder {
  private readonly downUntil = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = DNS_FORWARD_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async forward(query: Buffer, upstreams: Upstream[]): Promise<Buffer | undefined> {
    for (const upstream of upstreams) {
      const key = `${upstream.address}#${upstream.port}`;
      if ((this.downUntil.get(key) ?? 0) > this.now()) continue;
      const answer = await this.ask(query, upstream);
      if (answer) {
        this.downUntil.delete(key);
        return answer;
      }
      this.logger.debug({ upstream: key }, 'DNS upstream did not answer; skipping it for a while');
      this.downUntil.set(key, this.now() + DNS_UPSTREAM_BACKOFF_MS);
    }
    return undefined;
  }

  private ask(query: Buffer, upstream: Upstream): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket(isIPv6(upstream.address) ? 'udp6' : 'udp4');
      const id = query.readUInt16BE(0);
      const finish = (answer: Buffer | undefined) => {
        clearTimeout(timer);
        socket.close();
        resolve(answer);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      socket.on('error', () => finish(undefined));
      socket.on('message', (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === id) finish(msg);
      });
      socket.send(query, upstream.port, upstream.address, (err) => {
        if (err) finish(undefined);
      });
    });
  }
}
