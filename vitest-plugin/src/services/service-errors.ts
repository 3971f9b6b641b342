import { errorMessage, SkiffCoreError } from '@skiff/core';

/**
 * The service declarations are wrong (a name used twice, an unknown option, a dependency cycle, a
 * reference to a service that is not declared, a host port already taken). Raised before anything
 * starts, so nothing is left running.
 */
export class ServiceConfigError extends SkiffCoreError {
  constructor(message: string) {
    super('SKIFF_SERVICE_CONFIG', message);
  }
}

/**
 * A service failed to start. The message names the service and carries the cause's message — for a
 * container, core's start error with the wait strategy, exit code and the container's last log lines.
 * Every service that did start was stopped before this was thrown.
 */
export class ServiceStartError extends SkiffCoreError {
  constructor(
    readonly service: string,
    readonly describe: string,
    cause: unknown,
    /** Other services that failed in the same start, by name. */
    readonly alsoFailed: Readonly<Record<string, string>> = {},
  ) {
    const others = Object.entries(alsoFailed).map(
      ([name, msg]) => `\n\nservice "${name}" also failed: ${msg}`,
    );
    super(
      'SKIFF_SERVICE_START_FAILED',
      `service "${service}" (${describe}) failed to start: ${errorMessage(cause)}${others.join('')}`,
      { cause },
    );
  }
}

/** A test worker asked the service owner for an action that failed, or for one that does not exist. */
export class ServiceActionError extends SkiffCoreError {
  constructor(message: string, code = 'SKIFF_SERVICE_ACTION_FAILED') {
    super(code, message);
  }
}

/** A test asked for services, but none were provisioned for this run (the plugin or preset is missing). */
export class ServicesUnavailableError extends SkiffCoreError {
  constructor(message: string) {
    super('SKIFF_SERVICES_UNAVAILABLE', message);
  }
}
