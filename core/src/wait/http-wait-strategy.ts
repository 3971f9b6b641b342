import type { IncomingHttpHeaders } from 'node:http';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

export interface HttpResponseInfo {
  statusCode: number;
  headers: IncomingHttpHeaders;
}

/**
 * Sends an HTTP(S) request to a published port from the host until the response passes every
 * predicate (any 2xx by default). testcontainers' options, plus a request body and response headers.
 */
export class HttpWaitStrategy extends AbstractWaitStrategy {
  private method = 'GET';
  private headers: Record<string, string> = {};
  private body: string | Buffer | undefined;
  private tls = false;
  private insecure = false;
  private readTimeoutMs = 1_000;
  private readonly statusPredicates: ((status: number) => boolean)[] = [];
  private responsePredicate: ((body: string, response: HttpResponseInfo) => boolean) | undefined;

  constructor(
    private readonly path: string,
    private readonly port: number | string,
  ) {
    super();
  }

  forStatusCode(code: number): this {
    this.statusPredicates.push((s) => s === code);
    return this;
  }

  forStatusCodeMatching(predicate: (status: number) => boolean): this {
    this.statusPredicates.push(predicate);
    return this;
  }

  forResponsePredicate(predicate: (body: string, response: HttpResponseInfo) => boolean): this {
    this.responsePredicate = predicate;
    return this;
  }

  withMethod(method: string): this {
    this.method = method.toUpperCase();
    return this;
  }

  withHeaders(headers: Record<string, string>): this {
    this.headers = { ...this.headers, ...headers };
    return this;
  }

  withBody(body: string | Buffer): this {
    this.body = body;
    return this;
  }

  withBasicCredentials(username: string, password: string): this {
    this.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    return this;
  }

  withReadTimeout(ms: number): this {
    this.readTimeoutMs = ms;
    return this;
  }

  usingTls(): this {
    this.tls = true;
    return this;
  }

  allowInsecure(): this {
    this.insecure = true;
    return this;
  }

  describe(): string {
    return `Wait.forHttp(${JSON.stringify(this.path)}, ${this.port})${this.tls ? '.usingTls()' : ''}`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const hostPort = ctx.boundPorts.getMappedPort(this.port);
    const http = this.tls ? await import('node:https') : await import('node:http');
    const scheme = this.tls ? 'https' : 'http';
    const url = `${scheme}://${ctx.host}:${hostPort}${this.path.startsWith('/') ? '' : '/'}${this.path}`;
    await this.poll(ctx, async () => {
      const result = await new Promise<
        { status: number; headers: IncomingHttpHeaders; body: string } | string
      >((resolve) => {
        const req = http.request(url, {
          method: this.method,
          headers: this.body
            ? { 'content-length': String(Buffer.byteLength(this.body)), ...this.headers }
            : this.headers,
          timeout: this.readTimeoutMs,
          agent: false,
          ...(this.tls ? { rejectUnauthorized: !this.insecure } : {}),
        });
        req.on('timeout', () => req.destroy(new Error(`no response within ${this.readTimeoutMs} ms`)));
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => resolve(err.message));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        });
        req.end(this.body);
      });
      if (typeof result === 'string') {
        this.seen = `${this.method} ${url}: ${result}`;
        return false;
      }
      this.seen = `${this.method} ${url}: HTTP ${result.status} ${JSON.stringify(result.body.slice(0, 200))}`;
      const statusOk =
        this.statusPredicates.length === 0
          ? result.status >= 200 && result.status < 300
          : this.statusPredicates.every((p) => p(result.status));
      if (!statusOk) return false;
      return this.responsePredicate
        ? this.responsePredicate(result.body, { statusCode: result.status, headers: result.headers })
        : true;
    });
  }
}
