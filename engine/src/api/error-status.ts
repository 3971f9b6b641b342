import { NetError } from '@skiff/net';
import {
  ConflictError,
  DigestMismatchError,
  HostUnsupportedError,
  InvalidArgumentError,
  NotFoundError,
  NotModifiedError,
  RegistryError,
  RuntimeError,
  SkiffError,
  UnauthorizedError,
  UnsafeArchiveError,
} from '../errors.js';
import { PredefinedNetworkError } from '../networks/predefined-network-error.js';
import { RegistryErrorCode } from '../registry/registry-constants.js';
import { PayloadTooLargeError, RouteNotFoundError, UnsupportedApiVersionError } from './api-errors.js';

/**
 * Statuses for errors known by their stable `code` alone: the registry client's codes (one
 * `RegistryError` class, many causes) and errors of parts the API does not otherwise import
 * (builder, user resolution, path resolution). moby's `errdefs` classes in brackets.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // The repository, tag or digest is not in the registry [NotFound].
  [RegistryErrorCode.NotFound]: 404,
  // The registry refused the credentials, or wants some [Unauthorized].
  [RegistryErrorCode.Unauthorized]: 401,
  // The index lists no manifest for this platform: moby's "no matching manifest for …" [NotFound].
  [RegistryErrorCode.PlatformNotFound]: 404,
  // DNS failure, refused connection, TLS failure [Unavailable].
  [RegistryErrorCode.Unreachable]: 503,
  // The registry answered with something that is not a valid manifest: the upstream's fault.
  [RegistryErrorCode.ManifestInvalid]: 502,
  // The local disk filled up while storing layers.
  [RegistryErrorCode.NoSpace]: 507,
  // A Dockerfile that does not parse or asks for what the builder cannot do [InvalidParameter].
  SKIFF_DOCKERFILE_SYNTAX: 400,
  // `--target` names no stage of the Dockerfile: a bad request parameter, not a missing route.
  SKIFF_BUILD_STAGE_NOT_FOUND: 400,
  // `User` names someone the image does not know [InvalidParameter].
  SKIFF_UNKNOWN_USER: 400,
  // A path that leaves the container's root [InvalidParameter].
  SKIFF_UNSAFE_PATH: 400,
};

/**
 * `@skiff/net`'s errors are its own classes (it never imports the engine), known by their codes.
 * A taken host port or an exhausted subnet pool is a state conflict; a lock held too long by
 * another engine is worth a retry.
 */
const NET_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  SKIFF_NETWORK_NOT_FOUND: 404,
  SKIFF_SANDBOX_NOT_FOUND: 409,
  SKIFF_CONFLICT: 409,
  SKIFF_INVALID_ARGUMENT: 400,
  SKIFF_PORT_IN_USE: 409,
  SKIFF_POOL_EXHAUSTED: 409,
  SKIFF_LOCK_TIMEOUT: 503,
};

/**
 * The one place where engine errors become HTTP statuses. Docker clients match on these (404
 * `No such container`, 409 conflicts, 304 no-ops), so they follow moby's `errdefs` mapping.
 */
export function errorStatus(err: unknown): number {
  if (err instanceof NotModifiedError) return 304;
  if (err instanceof NetError) return NET_STATUS_BY_CODE[err.code] ?? 500;
  if (err instanceof PredefinedNetworkError) return 403;
  if (err instanceof SkiffError) {
    const byCode = STATUS_BY_CODE[err.code];
    if (byCode !== undefined) return byCode;
  }
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
