import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DistributionError } from './distribution-error.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number> = {},
) {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

/** Reads a request body into memory, refusing (413 SIZE_INVALID) more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    throw new DistributionError(
      413,
      'SIZE_INVALID',
      `body of ${declared} bytes exceeds the limit of ${limit}`,
    );
  }
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) {
      req.destroy();
      throw new DistributionError(413, 'SIZE_INVALID', `body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Discards whatever body a request carries, so the connection can be reused. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return;
  req.resume();
  if (!req.readableEnded) await once(req, 'end').catch(() => undefined);
}
