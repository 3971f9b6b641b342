import path from 'node:path';
import { loadEngineConfig } from '../../config.js';
import { out } from '../output.js';

export interface RegistryServeFlags {
  addr: string;
  root?: string;
  htpasswd?: string;
}

/**
 * `skiff registry serve`: Skiff's OCI distribution server in the foreground, logging JSON lines
 * through pino on stderr, until SIGINT or SIGTERM (then open connections are closed and upload
 * sessions released). The bound address goes to stdout (`--addr 127.0.0.1:0` picks a free port).
 */
export async function registryServe(flags: RegistryServeFlags): Promise<number> {
  const [{ pino }, { startRegistryServer }] = await Promise.all([
    import('pino'),
    import('../../registry/server/start-registry-server.js'),
  ]);
  const logger = pino(
    { name: 'skiff-registry', level: process.env.SKIFF_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: 2, sync: true }),
  );
  const root = path.resolve(flags.root ?? path.join(loadEngineConfig().root, 'registry'));
  const server = await startRegistryServer({
    addr: flags.addr,
    root,
    logger,
    ...(flags.htpasswd ? { htpasswd: path.resolve(flags.htpasswd) } : {}),
  });
  out(`registry listening on ${server.url} (storage ${root}${flags.htpasswd ? ', htpasswd auth' : ''})\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => {
          logger.info('registry stopped');
          resolve(0);
        },
        (e: unknown) => {
          logger.error({ err: e }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
