import { rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { errorMessage, type Logger } from '@skiff/core';
import { createRunDir } from './run-dir.js';
import type { StartedServices } from './start-services.js';

const MAX_BODY = 1 << 20;

/** The route test workers call: `POST /v1/services/{name}/actions/{action}` with a JSON object body. */
export function actionPath(service: string, action: string): string {
  return `/v1/services/${encodeURIComponent(service)}/actions/${encodeURIComponent(action)}`;
}

const ROUTE = /^\/v1\/services\/([^/]+)\/actions\/([^/]+)$/;

/**
 * Lets test workers use services that live in the main process: handles cannot cross a process
 * boundary, so a worker that wants a fresh database asks the owner of the postgres handle over
 * HTTP on a unix socket in a private (0700) directory. No TCP port is opened, and the server is
 * unref'd: it never keeps a test runner from exiting.
 */
export class ServiceBroker {
  private constructor(
    private readonly server: http.Server,
    private readonly dir: string,
    readonly socketPath: string,
  ) {}

  static async listen(services: StartedServices, logger: Logger): Promise<ServiceBroker> {
    const dir = await createRunDir('skiff-services');
    const socketPath = path.join(dir, 'broker.sock');
    const server = http.createServer((req, res) => {
      void handle(services, logger, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    server.unref();
    return new ServiceBroker(server, dir, socketPath);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await rm(this.dir, { recursive: true, force: true });
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed: unknown = text ? JSON.parse(text) : {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError('the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

async function handle(
  services: StartedServices,
  logger: Logger,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const match = ROUTE.exec(req.url ?? '');
  if (req.method !== 'POST' || !match) {
    reply(res, 404, { code: 'SKIFF_SERVICE_ACTION_UNKNOWN', message: `no route ${req.method} ${req.url}` });
    return;
  }
  const name = decodeURIComponent(match[1] ?? '');
  const actionName = decodeURIComponent(match[2] ?? '');
  const service = services.get(name);
  const action =
    service && Object.hasOwn(service.actions, actionName) ? service.actions[actionName] : undefined;
  if (!service || !action) {
    const known = service ? Object.keys(service.actions).join(', ') || 'none' : undefined;
    reply(res, 404, {
      code: 'SKIFF_SERVICE_ACTION_UNKNOWN',
      message: service
        ? `service "${name}" (${service.info.kind}) has no action "${actionName}"; it has: ${known}`
        : `no service "${name}" was started; started: ${services.names.join(', ') || 'none'}`,
    });
    return;
  }
  let args: Record<string, unknown>;
  try {
    args = await readJson(req);
  } catch (err) {
    reply(res, 400, { code: 'SKIFF_SERVICE_ACTION_FAILED', message: `bad request: ${errorMessage(err)}` });
    return;
  }
  try {
    reply(res, 200, { result: await action(args) });
  } catch (err) {
    logger.warn({ err, service: name, action: actionName }, 'service action failed');
    const code = (err as { code?: unknown }).code;
    reply(res, 500, {
      code: typeof code === 'string' ? code : 'SKIFF_SERVICE_ACTION_FAILED',
      message: `${name}.${actionName} failed: ${errorMessage(err)}`,
    });
  }
}
