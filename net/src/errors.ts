/**
 * Errors of `@skiff/net`. Like the engine's (`engine/src/errors.ts`), each class has a stable
 * `code` and a message that names the value and says what to do; the engine maps codes to HTTP
 * statuses in its API layer. `net` never imports the engine, so the classes live here.
 */
export class NetError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A network (by name, id or id prefix) does not exist. Message matches Docker's (`network x not found`). */
export class NetworkNotFoundError extends NetError {
  constructor(readonly ref: string) {
    super('SKIFF_NETWORK_NOT_FOUND', `network ${ref} not found`);
  }
}

/** The container has no sandbox in this network manager (not started, or already released). */
export class SandboxNotFoundError extends NetError {
  constructor(readonly containerId: string) {
    super('SKIFF_SANDBOX_NOT_FOUND', `container ${containerId} has no network sandbox: is it running?`);
  }
}

/** The request is well-formed but the state forbids it (name in use, network has endpoints, overlap). */
export class ConflictError extends NetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_CONFLICT', message, options);
  }
}

/** The caller passed something malformed: the message names the value and what was expected. */
export class InvalidArgumentError extends NetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_INVALID_ARGUMENT', message, options);
  }
}

/** A host port could not be bound because something else holds it. */
export class PortInUseError extends NetError {
  constructor(
    readonly hostIp: string,
    readonly hostPort: number,
    readonly protocol: 'tcp' | 'udp',
    options?: { cause?: unknown },
  ) {
    super(
      'SKIFF_PORT_IN_USE',
      `Bind for ${hostIp.includes(':') ? `[${hostIp}]` : hostIp}:${hostPort}/${protocol} failed: port is already allocated; pick another host port or let Skiff choose one (host port 0)`,
      options,
    );
  }
}

/** Every subnet of the configured pools overlaps a host route or another network. */
export class PoolExhaustedError extends NetError {
  constructor(message: string) {
    super('SKIFF_POOL_EXHAUSTED', message);
  }
}

/** `ip`, `iptables` or a sysctl failed; the message carries the command and its stderr. */
export class HostCommandError extends NetError {
  constructor(
    message: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super('SKIFF_HOST_COMMAND_FAILED', message, options);
  }
}

/** The host lacks something networking needs (root, iproute2, iptables for outbound NAT). */
export class HostUnsupportedError extends NetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SKIFF_HOST_UNSUPPORTED', message, options);
  }
}

/** Another process held a lock for longer than the timeout. */
export class LockTimeoutError extends NetError {
  constructor(message: string) {
    super('SKIFF_LOCK_TIMEOUT', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
