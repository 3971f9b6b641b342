/**
 * Errors are API: each class has a stable `code`, a message that says what to do, and a `cause`.
 * They are mapped to HTTP statuses in exactly one place: `api/error-status.ts`.
 */
export class SkiffError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export type ResourceKind =
  | 'container'
  | 'image'
  | 'network'
  | 'volume'
  | 'exec'
  | 'snapshot'
  | 'content'
  | 'build stage'
  | 'session';

/** A named thing does not exist. Messages match Docker's (`No such container: x`): clients match on them. */
export class NotFoundError extends SkiffError {
  readonly kind: ResourceKind;
  readonly ref: string;
  constructor(kind: ResourceKind, ref: string, message?: string) {
    super(`SKIFF_${kind.toUpperCase().replace(' ', '_')}_NOT_FOUND`, message ?? `No such ${kind}: ${ref}`);
    this.kind = kind;
    this.ref = ref;
  }
}

/** The request is well-formed but the state forbids it (name in use, container running, network in use). */
export class ConflictError extends SkiffError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_CONFLICT', message, options);
  }
}

/** The caller passed something malformed: the message names the value and what was expected. */
export class InvalidArgumentError extends SkiffError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_INVALID_ARGUMENT', message, options);
  }
}

/** The operation had nothing to do (start of a running container, stop of a stopped one): HTTP 304. */
export class NotModifiedError extends SkiffError {
  constructor(message: string) {
    super('SKIFF_NOT_MODIFIED', message);
  }
}

/** Content did not match the digest or size it was announced with; nothing was stored. */
export class DigestMismatchError extends SkiffError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super('SKIFF_DIGEST_MISMATCH', `${what}: expected ${expected}, got ${actual}; nothing was stored`);
  }
}

/** An archive tried to write outside its root, or held an entry Skiff refuses to create. */
export class UnsafeArchiveError extends SkiffError {
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super('SKIFF_UNSAFE_ARCHIVE', `refusing archive entry ${JSON.stringify(entry)}: ${reason}`);
  }
}

/** The OCI runtime (crun/runc) or a host tool failed; the message carries its stderr. */
export class RuntimeError extends SkiffError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_RUNTIME_ERROR', message, options);
  }
}

/** The host lacks something the engine needs (a package, a kernel feature, root). */
export class HostUnsupportedError extends SkiffError {
  constructor(message: string) {
    super('SKIFF_HOST_UNSUPPORTED', message);
  }
}

/** A registry answered with an error; the message names the image, the registry and the HTTP status. */
export class RegistryError extends SkiffError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? 'SKIFF_REGISTRY_ERROR', message, options);
  }
}

/** The user is not allowed to do this (registry auth, API auth). */
export class UnauthorizedError extends SkiffError {
  constructor(message: string) {
    super('SKIFF_UNAUTHORIZED', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
