/**
 * Errors are API: each class has a stable `code`, a message that says what went wrong, where, and
 * what to do, and a `cause`. Callers branch on `code` (or `instanceof`), never on message text.
 */
export class SkiffCoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** No container engine answered where discovery looked; the message lists every place tried. */
export class EngineUnavailableError extends SkiffCoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_ENGINE_UNAVAILABLE', message, options);
  }
}

/** The engine speaks no API version inside the range this client supports. */
export class ApiVersionError extends SkiffCoreError {
  constructor(message: string) {
    super('SKIFF_API_VERSION_UNSUPPORTED', message);
  }
}

/** The engine answered a request with an unexpected status; `statusCode` and the engine's message are kept. */
export class EngineApiError extends SkiffCoreError {
  constructor(
    readonly statusCode: number,
    readonly method: string,
    readonly path: string,
    readonly engineMessage: string,
  ) {
    super('SKIFF_ENGINE_API_ERROR', `${method} ${path} failed with HTTP ${statusCode}: ${engineMessage}`);
  }
}

/** An image is neither present nor pullable under that name. */
export class ImageNotFoundError extends SkiffCoreError {
  constructor(
    readonly image: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'SKIFF_IMAGE_NOT_FOUND',
      `image ${image} was not found: ${detail}. Check the name and tag, or load it first ` +
        '(skiff pull / skiff import); SKIFF_IMAGE_PREFIX and SKIFF_IMAGE_MAP redirect names to a mirror',
      options,
    );
  }
}

/** A pull failed for a reason other than a missing image (network, auth, registry error). */
export class ImagePullError extends SkiffCoreError {
  constructor(
    readonly image: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('SKIFF_IMAGE_PULL_FAILED', `pulling ${image} failed: ${detail}`, options);
  }
}

/** A Dockerfile build failed; `output` holds the last lines the builder printed. */
export class BuildError extends SkiffCoreError {
  constructor(
    message: string,
    readonly output: string[],
    options?: { cause?: unknown },
  ) {
    const tail = output.length > 0 ? `\n--- last build output ---\n${output.join('\n')}` : '';
    super('SKIFF_BUILD_FAILED', message + tail, options);
  }
}

/** An exec could not be run at all (the engine refused it); a non-zero exit code is a result, not this error. */
export class ExecError extends SkiffCoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_EXEC_FAILED', message, options);
  }
}

/** A wait strategy ran out of time; `strategy` names it and `lastSeen` says what it observed last. */
export class WaitTimeoutError extends SkiffCoreError {
  constructor(
    readonly strategy: string,
    readonly timeoutMs: number,
    readonly lastSeen: string | undefined,
  ) {
    super(
      'SKIFF_WAIT_TIMEOUT',
      `${strategy} did not succeed within ${timeoutMs} ms` + (lastSeen ? `; last saw: ${lastSeen}` : ''),
    );
  }
}

/** A wait strategy saw a state that can never become ready (e.g. health `unhealthy`, exit code != 0). */
export class WaitFailedError extends SkiffCoreError {
  constructor(
    readonly strategy: string,
    reason: string,
  ) {
    super('SKIFF_WAIT_FAILED', `${strategy} failed: ${reason}`);
  }
}

/** A container needed by a strategy exited while the strategy was waiting for it. */
export class ContainerExitedError extends SkiffCoreError {
  constructor(
    readonly exitCode: number,
    readonly oomKilled: boolean,
  ) {
    super(
      'SKIFF_CONTAINER_EXITED',
      `the container exited with code ${exitCode}${oomKilled ? ' (killed: out of memory)' : ''} before it was ready`,
    );
  }
}

/** Everything known about a container that failed to start or get ready. */
export interface StartFailureDetails {
  containerId: string | undefined;
  containerName: string | undefined;
  image: string;
  strategy: string | undefined;
  lastSeen: string | undefined;
  exitCode: number | undefined;
  oomKilled: boolean | undefined;
  status: string | undefined;
  healthStatus: string | undefined;
  healthLog: string[];
  logTail: string[];
  kept: boolean;
  /** How to reach the kept container (commands), when `kept`. */
  inspectHint: string | undefined;
}

/** `start()` failed; the message carries the strategy, what it saw, exit code, OOM, health log and last logs. */
export class ContainerStartError extends SkiffCoreError {
  constructor(
    message: string,
    readonly details: StartFailureDetails,
    options?: { cause?: unknown },
  ) {
    super('SKIFF_CONTAINER_START_FAILED', message, options);
  }
}

/** A port was asked for that the container does not publish. */
export class PortNotMappedError extends SkiffCoreError {
  constructor(port: string, mapped: string[]) {
    super(
      'SKIFF_PORT_NOT_MAPPED',
      `port ${port} is not mapped; mapped ports: ${mapped.length > 0 ? mapped.join(', ') : 'none'}. ` +
        'Expose it with withExposedPorts()',
    );
  }
}

/** The caller passed something malformed; the message names the value and what was expected. */
export class InvalidArgumentError extends SkiffCoreError {
  constructor(message: string) {
    super('SKIFF_INVALID_ARGUMENT', message);
  }
}

/** A cross-process lock could not be taken in time. */
export class LockTimeoutError extends SkiffCoreError {
  constructor(path: string, timeoutMs: number) {
    super(
      'SKIFF_LOCK_TIMEOUT',
      `timed out after ${timeoutMs} ms waiting for lock ${path}; remove it if its owner is gone`,
    );
  }
}

/** The startup deadline shared by every step of `start()` passed. */
export class StartupTimeoutError extends SkiffCoreError {
  constructor(step: string, timeoutMs: number) {
    super(
      'SKIFF_STARTUP_TIMEOUT',
      `startup deadline of ${timeoutMs} ms passed during ${step}; raise it with withStartupTimeout()`,
    );
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
