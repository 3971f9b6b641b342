import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** A file descriptor or path; defaults to stderr so stdout stays clean for command output. */
  destination?: number | string;
  name?: string;
}

/** Builds the one logger of a process; everything else gets children of it (STYLE.md habit 3). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.SKIFF_LOG_LEVEL ?? 'info';
  const destination = pino.destination({ dest: options.destination ?? 2, sync: false, mkdir: true });
  return pino({ level, name: options.name ?? 'skiff', base: { pid: process.pid } }, destination);
}

/** A logger that discards everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
