import { SkiffError } from '../errors.js';
import { formatLocation, type SourceLocation } from './source-location.js';

export type ComposeProblemKind =
  | 'syntax'
  | 'duplicate'
  | 'unknown-key'
  | 'unsupported-key'
  | 'invalid-value'
  | 'undefined-reference'
  | 'missing-file'
  | 'interpolation';

/** One thing wrong with a compose file, with where it is when that is known. */
export interface ComposeProblem {
  kind: ComposeProblemKind;
  message: string;
  location?: SourceLocation;
}

export function formatProblem(p: ComposeProblem): string {
  return p.location ? `${formatLocation(p.location)}: ${p.message}` : p.message;
}

/**
 * The compose files cannot be used as they are. Every problem found is listed (not only the
 * first), each with its file, line and column; nothing was created.
 */
export class ComposeFileError extends SkiffError {
  constructor(readonly problems: readonly ComposeProblem[]) {
    const lines = problems.map((p) => `  ${formatProblem(p)}`);
    super(
      'SKIFF_COMPOSE_INVALID',
      `the compose file has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}; nothing was started:\n${lines.join('\n')}`,
    );
  }
}

/** No compose file was given and none of the default names exists in the directory. */
export class ComposeFileNotFoundError extends SkiffError {
  constructor(
    readonly directory: string,
    names: readonly string[],
  ) {
    super(
      'SKIFF_COMPOSE_NOT_FOUND',
      `no compose file in ${directory} (looked for ${names.join(', ')}): pass one with -f FILE or a project with -p NAME`,
    );
  }
}

/** `depends_on` goes round in a circle; `cycle` starts and ends with the same service. */
export class DependencyCycleError extends SkiffError {
  constructor(readonly cycle: readonly string[]) {
    super(
      'SKIFF_COMPOSE_CYCLE',
      `depends_on has a cycle: ${cycle.join(' -> ')}; nothing was started. Remove one of these dependencies.`,
    );
  }
}

export interface TakenPort {
  service: string;
  hostIp: string;
  port: number;
  protocol: 'tcp' | 'udp';
  /** Another service of the same file publishes it too, or the host already has a listener. */
  takenBy: string;
}

/** Published host ports that cannot be bound; checked before anything starts. */
export class PortTakenError extends SkiffError {
  constructor(readonly ports: readonly TakenPort[]) {
    const lines = ports.map(
      (p) =>
        `  service "${p.service}": ${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.port}/${p.protocol} is already in use (${p.takenBy})`,
    );
    super(
      'SKIFF_COMPOSE_PORT_TAKEN',
      `${ports.length === 1 ? 'a published port is' : 'published ports are'} taken; nothing was started:\n${lines.join('\n')}\n` +
        'Free the port, publish another one, or leave the host port out to get a free one.',
    );
  }
}

/** A service failed while the environment came up (exited, unhealthy, a dependency condition failed). */
export class ServiceStartError extends SkiffError {
  constructor(
    readonly service: string,
    reason: string,
    /** The last lines of the service's log, when there were any. */
    readonly logTail: string = '',
    options?: { cause?: unknown },
  ) {
    const tail =
      logTail.trim() === '' ? '' : `\nlast log lines of ${service}:\n${logTail.replace(/\n$/, '')}`;
    super('SKIFF_COMPOSE_SERVICE_FAILED', `service "${service}" ${reason}${tail}`, options);
  }
}

/** `down`/`logs` named a project that has nothing on this engine. */
export class EnvironmentNotFoundError extends SkiffError {
  constructor(readonly project: string) {
    super('SKIFF_ENVIRONMENT_NOT_FOUND', `no environment named "${project}" on this engine (see skiff ls)`);
  }
}
