import { EngineApiError, EngineUnavailableError } from './engine-client.js';
import { UsageError } from './units.js';

/** Prints an error the way the docker CLI does and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof EngineApiError) {
    process.stderr.write(`Error response from daemon: ${err.message}\n`);
    return 1;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`skiff: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof EngineUnavailableError) {
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
