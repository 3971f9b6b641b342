import {
  Agent,
  type RequestOptions as HttpRequestOptions,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { API_VERSION } from '../constants.js';

/** An error answer of the engine: `Error response from daemon: <message>` in Docker's wording. */
export class EngineApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineApiError';
  }
}

/** Nobody listens on the socket (no daemon, or a stale socket file). */
export class EngineUnavailableError extends Error {
  constructor(
    readonly socketPath: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot connect to the Skiff engine at unix://${socketPath}: is skiffd running?`, options);
    this.name = 'EngineUnavailableError';
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless a Buffer or a stream. */
  body?: unknown;
  headers?: OutgoingHttpHeaders;
  /** Statuses that are not errors besides 2xx (e.g. 304 for start/stop). */
  accept?: number[];
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Escapes what may not appear raw in a request path (spaces, quotes, non-ASCII) but keeps `/`,
 * `:` and `@`: image names travel unencoded, as the docker CLI sends them. The engine then
 * answers `No such container: a b` rather than Node refusing to send the request.
 */
function escapePath(path: string): string {
  return path.replace(/[^\w\-.~:@/!$&'()*+,;=]/g, (c) => encodeURIComponent(c));
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of res) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function errorFrom(res: IncomingMessage): Promise<EngineApiError> {
  const text = (await readAll(res)).toString('utf8');
  let message = text.trim() || `HTTP ${res.statusCode}`;
  try {
    const parsed = JSON.parse(text) as { message?: string };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {}
  return new EngineApiError(res.statusCode ?? 0, message);
}

/**
 * The CLI's client: the Docker Engine API over the unix socket with `node:http` (no undici: it
 * costs start-up time the CLI cannot spare). Paths are versioned (`/v1.45/...`) like the docker
 * CLI's. One keep-alive agent carries the few requests a command makes; `close()` releases it so
 * the process can exit.
 */
export class EngineClient {
  private readonly agent = new Agent({ keepAlive: true });

  constructor(
    readonly socketPath: string,
    /** Called once when the socket does not answer; may start the daemon. Requests are retried after it. */
    private readonly onUnavailable?: () => Promise<void>,
  ) {}

  private started = false;

  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    options: RequestOptions,
    upgrade: boolean,
  ): Promise<IncomingMessage | { socket: Socket; head: Buffer; res: IncomingMessage }> {
    const body = options.body;
    const headers: OutgoingHttpHeaders = { ...options.headers };
    let payload: Buffer | undefined;
    if (body !== undefined && !isStream(body)) {
      payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      headers['Content-Type'] ??= Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json';
      headers['Content-Length'] = payload.length;
    }
    if (upgrade) {
      headers.Connection = 'Upgrade';
      headers.Upgrade = 'tcp';
      headers['Content-Length'] ??= 0;
    }
    // No TLS here: an empty server name (an Agent option the http types leave out) skips Node's
    // guess at one, whose first IP-address check compiles a large IPv6 regex (4-8 ms of a CLI run).
    const requestOptions: HttpRequestOptions & { servername: string } = {
      socketPath: this.socketPath,
      method,
      path: `/v${API_VERSION}${escapePath(path)}${queryString(options.query)}`,
      headers,
      agent: upgrade ? false : this.agent,
      servername: '',
    };
    return new Promise((resolve, reject) => {
      const req = request(requestOptions);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT')
          reject(new EngineUnavailableError(this.socketPath, { cause: err }));
        else reject(err);
      });
      req.on('upgrade', (res, socket, head) => resolve({ socket, head, res }));
      req.on('response', resolve);
      if (isStream(body)) body.pipe(req);
      else req.end(payload);
    });
  }

  private async withEngine<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof EngineUnavailableError) || !this.onUnavailable || this.started) throw err;
      this.started = true;
      await this.onUnavailable();
      return fn();
    }
  }

  /** Sends a request and returns the response once its status is acceptable; errors become EngineApiError. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const res = (await this.withEngine(() => this.send(method, path, options, false))) as IncomingMessage;
    const status = res.statusCode ?? 0;
    if ((status >= 200 && status < 300) || options.accept?.includes(status)) return res;
    throw await errorFrom(res);
  }

  /** `HEAD /_ping`; starts the engine on demand like any request. Call before sending a stream body. */
  async ping(): Promise<void> {
    await this.call('HEAD', '/_ping');
  }

  async json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
    const res = await this.request(method, path, options);
    return JSON.parse((await readAll(res)).toString('utf8')) as T;
  }

  /** A request whose answer body does not matter; returns the status (e.g. 204 or 304). */
  async call(method: string, path: string, options?: RequestOptions): Promise<number> {
    const res = await this.request(method, path, options);
    res.resume();
    return res.statusCode ?? 0;
  }

  /**
   * A hijacked stream (attach, exec start): `Upgrade: tcp`, then raw bytes both ways on the
   * socket. The engine must answer `101`; anything else is an error with the engine's message.
   */
  async upgrade(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ socket: Socket; head: Buffer }> {
    const result = await this.withEngine(() => this.send(method, path, options, true));
    if ('head' in result) return { socket: result.socket, head: result.head };
    throw await errorFrom(result);
  }
}
