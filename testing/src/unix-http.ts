/** One HTTP request over a unix socket, read whole: the engine API as tests see it, without a client library. */
import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface UnixRequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string | number>;
  /** A connection of its own, closed after the response (default: Node's global agent). */
  fresh?: boolean;
}

export function unixRequest(
  socketPath: string,
  method: string,
  pathAndQuery: string,
  options: UnixRequestOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path: pathAndQuery,
        headers: options.headers,
        ...(options.fresh ? { agent: false } : {}),
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const body = Buffer.concat(parts);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: () => body.toString('utf8'),
            json: <T>() => JSON.parse(body.toString('utf8')) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
