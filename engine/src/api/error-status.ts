import {
  ConflictError,
  DigestMismatchError,
  HostUnsupportedError,
  InvalidArgumentError,
  NotFoundError,
  NotModifiedError,
  RegistryError,
  RuntimeError,
  UnauthorizedError,
  UnsafeArchiveError,
} from '../errors.js';
import { PayloadTooLargeError, RouteNotFoundError, UnsupportedApiVersionError } from './api-errors.js';

/**
 * The one place where engine errors become HTTP statuses. Docker clients match on these (404
 * `No such container`, 409 conflicts, 304 no-ops), so they follow moby's `errdefs` mapping.
 */
export function errorStatus(err: unknown): number {
  if (err instanceof NotModifiedError) return 304;
  if (err instanceof NotFoundError || err instanceof RouteNotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (
    err instanceof InvalidArgumentError ||
    err instanceof UnsafeArchiveError ||
    err instanceof UnsupportedApiVersionError
  ) {
    return 400;
  }
  if (err instanceof PayloadTooLargeError) return 413;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof RegistryError) {
    if (err.status === 401 || err.status === 403) return 401;
    if (err.status === 404) return 404;
    return 500;
  }
  if (err instanceof DigestMismatchError) return 500;
  if (err instanceof RuntimeError || err instanceof HostUnsupportedError) return 500;
  return 500;
}

/** Docker's error body: `{"message": …}` (moby `common.ErrorResponse`). */
export function errorBody(err: unknown): { message: string } {
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
}
