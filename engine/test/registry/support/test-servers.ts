import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function freePort(): Promise<number> {
  const s = createServer();
  const host = await listen(s);
  await closeServer(s);
  return Number(host.split(':')[1]);
}

async function waitUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`docker-registry did not come up: ${log()}`);
}

/** The CNCF registry (Debian's docker-registry) on a free loopback port with a temp config. */
export async function startCncfRegistry(
  dir: string,
  options: {
    htpasswd?: string;
    token?: { realm: string; service: string; issuer: string; certFile: string };
  } = {},
) {
  const port = await freePort();
  const auth = options.htpasswd
    ? `auth:\n  htpasswd:\n    realm: test\n    path: ${options.htpasswd}\n`
    : options.token
      ? `auth:\n  token:\n    realm: ${options.token.realm}\n    service: ${options.token.service}\n    issuer: ${options.token.issuer}\n    rootcertbundle: ${options.token.certFile}\n`
      : '';
  const config = `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`;
  const file = path.join(dir, 'config.yml');
  await writeFile(file, config);
  const child = spawn('/usr/bin/docker-registry', ['serve', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c;
  });
  child.stderr?.on('data', (c) => {
    out += c;
  });
  const host = `127.0.0.1:${port}`;
  await waitUp(`http://${host}/v2/`, child, () => out);
  return {
    host,
    url: `http://${host}`,
    log: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

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
