import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { InvalidArgumentError, isErrno, NetError, PortInUseError } from '../errors.js';
import type { PortBindingRequest, PublishedPort } from '../types.js';
import { type ProxyTarget, TcpProxy } from './tcp-proxy.js';
import { UdpProxy } from './udp-proxy.js';

/** Skiff's default for a binding without an address: loopback only, IPv4 and IPv6 on one port. */
const LOOPBACKS = ['127.0.0.1', '::1'] as const;
const ATTEMPTS = 32;

type Proxy = TcpProxy | UdpProxy;

/** The proxies of one container; closing them frees the host ports. */
export interface Publication {
  ports: PublishedPort[];
  close(): Promise<void>;
}

/**
 * Publishes container ports on the host. A host port is reserved by binding it — the kernel is the
 * only arbiter, so concurrent test workers never race the way get-port-then-bind does. A binding
 * without an address gets the same port on 127.0.0.1 and ::1 (so `localhost` works whichever
 * family a client tries first); 0.0.0.0 and :: must be asked for.
 */
export class PortPublisher {
  constructor(private readonly logger: Logger) {}

  /**
   * `alsoOn`: more addresses that a binding without an address gets, on the same port (the
   * default bridge's gateway, for clients that look for published ports there — see
   * `publishOnBridgeGateway`).
   */
  async publish(
    requests: PortBindingRequest[],
    target: (containerPort: number) => ProxyTarget,
    alsoOn: string[] = [],
  ): Promise<Publication> {
    const proxies: Proxy[] = [];
    const ports: PublishedPort[] = [];
    const close = async () => {
      await Promise.allSettled(proxies.map((p) => p.close()));
    };
    try {
      for (const request of requests) {
        validate(request);
        const bound = await this.bindAll(request, target(request.containerPort), alsoOn);
        proxies.push(...bound);
        for (const p of bound) {
          ports.push({
            containerPort: request.containerPort,
            protocol: request.protocol,
            hostIp: p.host,
            hostPort: p.port,
          });
        }
      }
    } catch (err) {
      await close();
      throw err;
    }
    return { ports, close };
  }

  private async bindAll(
    request: PortBindingRequest,
    target: ProxyTarget,
    alsoOn: string[],
  ): Promise<Proxy[]> {
    const hosts = request.hostIp === '' ? [...LOOPBACKS, ...alsoOn] : [request.hostIp];
    for (let attempt = 0; ; attempt++) {
      const bound: Proxy[] = [];
      let port = request.hostPort;
      try {
        for (const host of hosts) {
          const proxy = await this.bindOne(request, host, port, target, host === '::1');
          if (!proxy) continue;
          bound.push(proxy);
          port = proxy.port;
        }
        return bound;
      } catch (err) {
        await Promise.allSettled(bound.map((p) => p.close()));
        // The kernel chose a port free on the first address but taken on the second: choose again.
        const retry = request.hostPort === 0 && err instanceof PortInUseError && attempt < ATTEMPTS;
        if (!retry) throw err;
      }
    }
  }

  /** Undefined when `host` is the IPv6 loopback on a host without IPv6: that half is skipped. */
  private async bindOne(
    request: PortBindingRequest,
    host: string,
    port: number,
    target: ProxyTarget,
    optional: boolean,
  ): Promise<Proxy | undefined> {
    try {
      return request.protocol === 'tcp'
        ? await TcpProxy.listen(host, port, target, this.logger)
        : await UdpProxy.listen(host, port, target, this.logger);
    } catch (err) {
      if (isErrno(err, 'EADDRINUSE') || isErrno(err, 'EACCES')) {
        throw new PortInUseError(host, port === 0 ? request.hostPort : port, request.protocol, {
          cause: err,
        });
      }
      if (isErrno(err, 'EADDRNOTAVAIL') || isErrno(err, 'EAFNOSUPPORT')) {
        if (optional) {
          this.logger.warn({ host, port }, 'IPv6 loopback unavailable; publishing on IPv4 only');
          return undefined;
        }
        throw new InvalidArgumentError(`cannot publish on ${host}: it is not an address of this host`, {
          cause: err,
        });
      }
      throw err instanceof NetError
        ? err
        : new NetError('SKIFF_PORT_PUBLISH_FAILED', `publishing ${host}:${port} failed: ${String(err)}`, {
            cause: err,
          });
    }
  }
}

function validate(request: PortBindingRequest): void {
  const spec = `${request.hostIp}:${request.hostPort}:${request.containerPort}/${request.protocol}`;
  if (
    !Number.isInteger(request.containerPort) ||
    request.containerPort < 1 ||
    request.containerPort > 65535
  ) {
    throw new InvalidArgumentError(
      `invalid container port ${request.containerPort} in ${spec}: expected 1-65535`,
    );
  }
  if (!Number.isInteger(request.hostPort) || request.hostPort < 0 || request.hostPort > 65535) {
    throw new InvalidArgumentError(`invalid host port ${request.hostPort} in ${spec}: expected 0-65535`);
  }
  if (request.protocol !== 'tcp' && request.protocol !== 'udp') {
    throw new InvalidArgumentError(
      `invalid protocol ${JSON.stringify(request.protocol)} in ${spec}: expected tcp or udp`,
    );
  }
  if (request.hostIp !== '' && isIP(request.hostIp) === 0) {
    throw new InvalidArgumentError(`invalid host IP ${JSON.stringify(request.hostIp)} in ${spec}`);
  }
}
