/**
 * The logging port of core: the subset of pino's `Logger` core calls. A pino logger satisfies it
 * structurally, so users pass theirs in; without one, nothing is logged and pino is never loaded.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

class SilentLogger implements Logger {
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
  child(): Logger {
    return this;
  }
}

export function silentLogger(): Logger {
  return new SilentLogger();
}

/** A pino logger on stderr, loaded only when asked for (`SKIFF_DEBUG=1` or an explicit level). */
export function createPinoLogger(level: string): Promise<Logger> {
  return import('pino').then(
    ({ pino }): Logger =>
      pino({ level, name: 'skiff-core', base: { pid: process.pid } }, pino.destination(2)),
  );
}
