import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { USER_AGENT } from '../constants.js';
import { EngineApiError, EngineUnavailableError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { type EngineEndpoint, formatEndpoint } from './endpoint.js';

export type QueryValue = string | number | boolean | string[] | Record<string, unknown> | undefined;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  query?: Query;
  /** A plain object is sent as JSON; a Buffer or stream as-is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Statuses that are not errors besides 2xx (e.g. 304 for stop of a stopped container). */
  accept?: number[];
  /** `false` for routes outside the Docker API (`/_ping`, `/skiff/v1/...`): no `/v1.NN` prefix. */
  versioned?: boolean;
}

export interface RawResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** Builds a query string the way moby reads it: objects as JSON, arrays as repeated keys. */
export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else if (typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

/**
 * The Docker Engine API over HTTP: undici's pool for ordinary calls, node:http for long-lived
 * follow streams (logs, session keepalive), because those sockets must be `unref()`ed so an open
 * stream never keeps the test process alive, and undici re-refs busy sockets.
 *
 * Paths are given without the version prefix; the negotiated `/v1.NN` is added here.
 */
export class EngineClient {
  private readonly pool: Pool;
  private readonly prefix: string;

  constructor(
    readonly endpoint: EngineEndpoint,
    readonly apiVersion: string,
    private readonly logger: Logger,
  ) {
    this.prefix = `/v${apiVersion}`;
    this.pool = EngineClient.createPool(endpoint);
  }

  static createPool(endpoint: EngineEndpoint): Pool {
    if (endpoint.kind === 'unix') {
      return new Pool('http://localhost', {
        socketPath: endpoint.socketPath,
        connections: 64,
        pipelining: 1,
      });
    }
    const origin = `${endpoint.tls ? 'https' : 'http'}://${endpoint.host}:${endpoint.port}`;
    return new Pool(origin, {
      connections: 64,
      pipelining: 1,
      ...(endpoint.tls
        ? { connect: { ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key } }
        : {}),
    });
  }

  /** `GET /_ping`, unversioned: the headers carry `Api-Version` and, on skiffd, `Skiff-Version`. */
  static async ping(endpoint: EngineEndpoint, timeoutMs = 2_000): Promise<IncomingHttpHeaders> {
    const pool = EngineClient.createPool(endpoint);
    try {
      const res = await pool.request({
        method: 'GET',
        path: '/_ping',
        headers: { 'user-agent': USER_AGENT },
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      if (res.statusCode !== 200) {
        throw new EngineUnavailableError(
          `${formatEndpoint(endpoint)} answered /_ping with HTTP ${res.statusCode}`,
        );
      }
      return res.headers;
    } finally {
      await pool.close();
    }
  }

  async raw(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const url = (options.versioned === false ? '' : this.prefix) + path + buildQuery(options.query);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...options.headers };
    let body: string | Buffer | Readable | undefined;
    if (options.body !== undefined) {
      if (Buffer.isBuffer(options.body) || isStream(options.body)) {
        body = options.body;
        headers['content-type'] = options.contentType ?? 'application/x-tar';
      } else {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
    }
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({
        method: method as 'GET',
        path: url,
        headers,
        body,
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new EngineUnavailableError(
        `cannot reach the engine at ${formatEndpoint(this.endpoint)} (${method} ${path}): ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const ok = (res.statusCode >= 200 && res.statusCode < 300) || options.accept?.includes(res.statusCode);
    if (!ok) {
      const text = await res.body.text().catch(() => '');
      let message = text.trim();
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        // Not JSON: keep the text as the message.
      }
      this.logger.debug({ method, path, status: res.statusCode, message }, 'engine request failed');
      throw new EngineApiError(res.statusCode, method, path, message);
    }
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  /** A call whose reply is JSON (or empty). */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    const text = await (res.body as Readable & { text(): Promise<string> }).text();
    return (text.length > 0 ? JSON.parse(text) : undefined) as T;
  }

  /** A call whose reply is ignored. */
  async call(method: string, path: string, options: RequestOptions = {}): Promise<number> {
    const res = await this.raw(method, path, options);
    await (res.body as Readable & { dump(): Promise<void> }).dump();
    return res.statusCode;
  }

  /**
   * A long-lived GET (logs follow, session keepalive) over its own connection whose socket is
   * unref'd: it never keeps the process alive. `versioned: false` for non-Docker routes.
   */
  async follow(path: string, query?: Query, options: { versioned?: boolean; method?: string } = {}) {
    const fullPath = (options.versioned === false ? '' : this.prefix) + path + buildQuery(query);
    const endpoint = this.endpoint;
    const http =
      endpoint.kind === 'tcp' && endpoint.tls ? await import('node:https') : await import('node:http');
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = http.request({
        method: options.method ?? 'GET',
        path: fullPath,
        agent: false,
        headers: { 'user-agent': USER_AGENT, host: 'localhost' },
        ...(endpoint.kind === 'unix'
          ? { socketPath: endpoint.socketPath }
          : { host: endpoint.host, port: endpoint.port, ...(endpoint.tls ?? {}) }),
      });
      req.on('error', (err) =>
        reject(new EngineUnavailableError(`follow ${path} on ${formatEndpoint(endpoint)}: ${err.message}`)),
      );
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // A followed stream (logs, events, the session keepalive) must not keep the process
          // alive; the wait for its response headers must, or a script whose only pending work is
          // this request exits before it is answered.
          res.socket.unref();
          resolve(res);
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let message = text.trim();
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {
            // keep the raw text
          }
          reject(new EngineApiError(status, options.method ?? 'GET', path, message));
        });
      });
      req.end();
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
