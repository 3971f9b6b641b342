import { loadEngineConfig } from '../config.js';
import { errorMessage } from '../errors.js';
import { createDaemonLogger } from './daemon-logger.js';

/**
 * `skiffd [--foreground|--detached]`: runs the engine until SIGTERM/SIGINT. Foreground logs go to
 * stderr as well as the log file; `--detached` (how the CLI starts it on demand) logs to the file.
 * Returns the exit code: 0 after a clean shutdown, 1 when the engine could not start.
 */
export async function runDaemon(argv: string[] = process.argv.slice(2)): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: skiffd [--foreground | --detached] [--ephemeral]\n\n' +
        'Serves the Skiff engine (Docker Engine API) on $SKIFF_HOST (default unix:///run/skiff/skiff.sock)\n' +
        'with state under $SKIFF_ROOT (default /var/lib/skiff). Stops on SIGTERM or SIGINT.\n' +
        '--ephemeral (or SKIFF_EPHEMERAL=1): on shutdown remove every container and network this engine made.\n',
    );
    return 0;
  }
  const detached = argv.includes('--detached');
  const config = loadEngineConfig();
  const { logger, file } = createDaemonLogger({
    stateDir: config.stateDir,
    level: config.logLevel,
    foreground: !detached,
  });
  // A bug in one request must not take the engine (and every container) down with it.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  const { startEngine } = await import('./engine.js');
  // Bound to the shutdown below once the signal handlers exist.
  let onIdle = () => {};
  let engine: Awaited<ReturnType<typeof startEngine>>;
  try {
    const ephemeral = argv.includes('--ephemeral') || process.env.SKIFF_EPHEMERAL === '1';
    engine = await startEngine(config, logger, { ephemeral, onIdle: () => onIdle() });
  } catch (err) {
    logger.fatal({ err }, 'engine failed to start');
    process.stderr.write(`skiffd: ${errorMessage(err)}\n(log: ${file})\n`);
    logger.flush();
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals | 'idle') => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without finishing the shutdown');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      engine.close().then(
        () => {
          logger.info('engine stopped');
          logger.flush();
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          logger.flush();
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    onIdle = () => stop('idle');
    process.on('SIGHUP', () => logger.info('SIGHUP ignored (no config reload)'));
  });
}
