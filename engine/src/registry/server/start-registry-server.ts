import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../../errors.js';
import { Htpasswd } from './htpasswd.js';
import { RegistryRequestHandler } from './registry-request-handler.js';
import { RegistryStorage } from './registry-storage.js';
import { UploadSessions } from './upload-sessions.js';

export interface RegistryServerOptions {
  /** `host:port`; port 0 picks a free one. Default `127.0.0.1:5000`. */
  addr?: string;
  /** Storage directory; created when missing. */
  root: string;
  /** Path of an htpasswd file with bcrypt entries; enables Basic auth on every route. */
  htpasswd?: string;
  logger: Logger;
}

export interface RunningRegistryServer {
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  /** `host:port`, the form image references use. */
  host: string;
  close(): Promise<void>;
}

export function parseListenAddress(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d+)$/.exec(addr);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(
      `invalid listen address ${JSON.stringify(addr)}: expected host:port, e.g. 127.0.0.1:5000`,
    );
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Starts Skiff's registry server (`skiff registry serve`). */
export async function startRegistryServer(options: RegistryServerOptions): Promise<RunningRegistryServer> {
  const { host, port } = parseListenAddress(options.addr ?? '127.0.0.1:5000');
  const logger = options.logger.child({ component: 'registry-server' });
  const storage = await new RegistryStorage(options.root).init();
  const uploads = new UploadSessions(storage, logger);
  const htpasswd = options.htpasswd ? await Htpasswd.load(options.htpasswd) : undefined;
  const handler = new RegistryRequestHandler(storage, uploads, logger, htpasswd);
  // Large layers take longer than Node's default 5-minute request timeout on slow links.
  // 1 MiB stream buffers instead of 16 KiB: a blob GET then reads the next 1 MiB of the file
  // while the last one drains to the socket, and an upload keeps arriving while its previous
  // bytes are hashed and written (loopback bench: best pull 289-314 -> 400-457 MiB/s, push
  // 305-320 -> 334-369 MiB/s).
  const server = createServer(
    { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000, highWaterMark: 1 << 20 },
    handler.handle,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const hostPort = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logger.info(
    { addr: hostPort, root: options.root, auth: htpasswd ? 'htpasswd' : 'none' },
    'registry listening',
  );
  return {
    url: `http://${hostPort}`,
    host: hostPort,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await uploads.close();
    },
  };
}
