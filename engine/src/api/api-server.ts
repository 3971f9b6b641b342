import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { RouteNotFoundError } from './api-errors.js';
import { negotiateApiVersion, splitVersionedPath } from './api-version.js';
import { errorStatus } from './error-status.js';
import { HttpExchange } from './http-exchange.js';
import type { Router } from './router.js';
import { listenOnUnixSocket } from './unix-socket.js';

export interface ApiServerOptions {
  router: Router;
  logger: Logger;
  /**
   * dockerode copies the whole create config into the query string as well as the body, so a
   * container with many env vars or binds overflows Node's default 16 KiB header limit (→ 431).
   */
  maxHeaderSize?: number;
}

export const DEFAULT_MAX_HEADER_SIZE = 1024 * 1024;

/**
 * The Docker-compatible HTTP server: plain `node:http`, one router, the version middleware, and the
 * error mapping. Normal requests and `Upgrade` requests (attach, exec start from the docker CLI)
 * go through the same routes; the exchange hides the difference.
 */
export class ApiServer {
  readonly http: Server;
  private readonly log: Logger;
  private nextRequestId = 1;
  private socketPath: string | undefined;
  /** Every open connection, including hijacked ones Node's server no longer tracks. */
  private readonly connections = new Set<Duplex>();

  constructor(private readonly options: ApiServerOptions) {
    this.log = options.logger.child({ component: 'api' });
    this.http = createServer({
      maxHeaderSize: options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
      // Streams (logs -f, events, attach without upgrade) legitimately last longer than any timeout.
      requestTimeout: 0,
    });
    this.http.on('connection', (socket: Duplex) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    this.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void this.dispatch(req, { kind: 'response', res });
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', (err) => this.log.debug({ err }, 'upgraded connection error'));
      void this.dispatch(req, { kind: 'upgrade', socket, head });
    });
  }

  /** Listens on a unix socket created for root only (see `unix-socket.ts`). */
  async listen(socketPath: string): Promise<void> {
    await listenOnUnixSocket(this.http, socketPath);
    this.socketPath = socketPath;
    this.log.info({ socket: socketPath }, 'API listening');
  }

  get address(): string | undefined {
    return this.socketPath;
  }

  /**
   * Stops accepting connections, ends idle keep-alive ones, and gives streams `graceMs` to finish
   * before cutting every remaining connection — hijacked attach/exec sockets included, which
   * Node's `closeAllConnections` does not know about.
   */
  async close(graceMs = 2000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    const timer = setTimeout(() => {
      this.http.closeAllConnections();
      for (const socket of this.connections) socket.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private async dispatch(
    req: IncomingMessage,
    target: { kind: 'response'; res: ServerResponse } | { kind: 'upgrade'; socket: Duplex; head: Buffer },
  ): Promise<void> {
    const id = this.nextRequestId++;
    const started = process.hrtime.bigint();
    const url = parseRequestUrl(req.url);
    const { version, path } = splitVersionedPath(url?.pathname ?? '/');
    const log = this.log.child({ req: id });
    const ex = new HttpExchange(req, target, path, url?.searchParams ?? new URLSearchParams(), log);
    try {
      if (!url) throw new InvalidArgumentError(`malformed request target ${JSON.stringify(req.url)}`);
      ex.apiVersion = negotiateApiVersion(version);
      const match = this.options.router.match(ex.method, path);
      if (!match) throw new RouteNotFoundError();
      ex.params = match.params;
      await match.handler(ex);
    } catch (err) {
      if (!ex.headersSent) {
        ex.error(err);
      } else {
        // The status line is gone; streaming handlers report in-band before they throw. Cut the
        // connection so the client sees an incomplete stream rather than a clean end.
        log.warn({ err }, 'request failed after the response started');
        req.socket.destroy();
      }
      if (errorStatus(err) >= 500) log.error({ err, path: url?.pathname }, 'request failed');
    } finally {
      log.debug(
        {
          method: ex.method,
          path: url?.pathname ?? req.url,
          upgrade: ex.isUpgrade,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    }
  }
}

/** The request target as a URL; undefined when it cannot be parsed (answered with 400). */
function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://skiff');
  } catch {
    return undefined;
  }
}
