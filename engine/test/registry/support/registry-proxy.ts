import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen } from '@skiff/testing';

/**
 * A loopback HTTP proxy in front of a registry that records requests and can misbehave:
 * `intercept` may answer a request itself (return true) instead of forwarding it.
 */
export async function startProxy(
  target: string,
  intercept?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>,
) {
  const requests: { method: string; url: string; range?: string; auth?: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
    });
    if (intercept && (await intercept(req, res, body))) return;
    const up = httpRequest(
      `http://${target}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: target } },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end(body);
  });
  const host = await listen(server);
  return { host, url: `http://${host}`, requests, close: () => closeServer(server) };
}
