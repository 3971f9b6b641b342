import { InvalidArgumentError } from '../errors.js';
import { parseByteSize } from '../util/byte-size.js';

/** The log drivers the engine has: its own file (Docker's `json-file` and `local` map to it) and none. */
const FILE_DRIVERS = new Set(['json-file', 'local']);

/**
 * `--log-opt` keys Docker's json-file/local drivers accept. `max-size` and `max-file` bound the
 * log; the rest (attributes Docker adds to each JSON line, or its compression of rotated files)
 * change nothing in Skiff's framed format and are accepted so existing configurations work.
 */
const ACCEPTED_OPTIONS = new Set([
  'max-size',
  'max-file',
  'compress',
  'labels',
  'labels-regex',
  'env',
  'env-regex',
  'tag',
  'mode',
  'max-buffer-size',
]);

/** Size limit of one container's log: the live file rotates past `maxSize`, keeping `maxFiles` in all. */
export interface LogLimits {
  maxSize: number;
  maxFiles: number;
}

/** `max-size`, read as the json-file driver reads it (docker/go-units RAMInBytes). */
function parseLogSize(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes <= 0) {
    throw new InvalidArgumentError(
      `invalid log opt max-size ${JSON.stringify(value)}: use a positive size such as 10m, 512k or 1g`,
    );
  }
  return bytes;
}

/**
 * Checks a container's log driver and options (HostConfig.LogConfig) as Docker does at create,
 * and returns the size limits, if any. An unknown driver or option is refused by name.
 */
export function parseLogConfig(driver: string, options: Record<string, string>): LogLimits | undefined {
  if (driver === 'none') {
    const keys = Object.keys(options);
    if (keys.length > 0) throw new InvalidArgumentError(`unknown log opt '${keys[0]}' for none log driver`);
    return undefined;
  }
  if (!FILE_DRIVERS.has(driver)) {
    throw new InvalidArgumentError(
      `logger: no log driver named '${driver}' is registered (Skiff has json-file, local and none)`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!ACCEPTED_OPTIONS.has(key)) {
      throw new InvalidArgumentError(`unknown log opt '${key}' for ${driver} log driver`);
    }
  }
  const maxSizeText = options['max-size'];
  const maxFileText = options['max-file'];
  if (maxSizeText === undefined || maxSizeText === '' || maxSizeText === '-1') {
    if (maxFileText !== undefined && maxFileText !== '' && maxFileText !== '1') {
      throw new InvalidArgumentError('max-file cannot be set without max-size');
    }
    return undefined;
  }
  const maxFiles = maxFileText === undefined || maxFileText === '' ? 1 : Number(maxFileText);
  if (!Number.isInteger(maxFiles) || maxFiles < 1) {
    throw new InvalidArgumentError(
      `invalid log opt max-file ${JSON.stringify(maxFileText)}: use a whole number of files, 1 or more`,
    );
  }
  return { maxSize: parseLogSize(maxSizeText), maxFiles };
}
