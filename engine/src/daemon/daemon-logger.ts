import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../logger.js';

/**
 * The daemon's one logger: JSON lines to `<stateDir>/skiffd.log`, and to stderr as well when it
 * runs in the foreground. (The on-demand start from the CLI is detached: file only.)
 */
export function createDaemonLogger(options: { stateDir: string; level: string; foreground: boolean }): {
  logger: Logger;
  file: string;
} {
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(options.stateDir, 'skiffd.log');
  const streams: pino.StreamEntry[] = [
    {
      stream: pino.destination({ dest: file, sync: false, mkdir: true }),
      level: options.level as pino.Level,
    },
  ];
  if (options.foreground) {
    streams.push({ stream: pino.destination({ dest: 2, sync: false }), level: options.level as pino.Level });
  }
  const logger = pino(
    { level: options.level, name: 'skiffd', base: { pid: process.pid } },
    pino.multistream(streams),
  );
  return { logger, file };
}
