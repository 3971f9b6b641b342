import { parseLogConfig } from '../containers/log-options.js';
import type { Path, ProblemSink } from './compose-values.js';

const LOGGING_KEYS = new Set(['driver', 'options']);

/** A service's `logging:` (driver and options), as HostConfig.LogConfig sends it. */
export interface LoggingConfig {
  driver: string;
  options: Record<string, string>;
}

/**
 * Reads `logging: {driver, options}` and checks it as the engine will at create (driver and
 * option names, max-size and max-file values), so a mistake is reported before anything starts.
 */
export function readLogging(
  value: unknown,
  at: Path,
  what: string,
  sink: ProblemSink,
): LoggingConfig | undefined {
  const raw = sink.obj(value, at, what);
  if (!raw) return undefined;
  sink.checkKeys(raw, at, what, LOGGING_KEYS, new Set(), true);
  const driver = sink.str(raw.driver, [...at, 'driver'], what) ?? 'json-file';
  const options: Record<string, string> = {};
  for (const [key, v] of sink.keyValues(raw.options, [...at, 'options'], what)) options[key] = v ?? '';
  try {
    parseLogConfig(driver, options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Placed at the option the message names, else at the driver.
    const key = Object.keys(options).find((k) => message.includes(`'${k}'`) || message.includes(`opt ${k} `));
    sink.invalid(key ? [...at, 'options', key] : [...at, 'driver'], what, message);
    return undefined;
  }
  return { driver, options };
}
