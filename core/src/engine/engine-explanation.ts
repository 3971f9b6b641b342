/** Which kind of engine answered: skiffd, a Docker daemon, Podman's compat API, or something else. */
export type EngineKind = 'skiff' | 'docker' | 'podman' | 'unknown';

/** Why discovery picked what it picked. */
export type EngineSource =
  | 'explicit'
  | 'SKIFF_HOST'
  | 'default-socket'
  | 'on-demand'
  | 'DOCKER_HOST'
  | 'docker-socket';

/**
 * The answer to "which engine, and why", for `skiff doctor` and for error messages. Plain data
 * (JSON-serialisable) so the CLI can print it or emit it with `--json`.
 */
export interface EngineExplanation {
  kind: EngineKind;
  endpoint: string;
  source: EngineSource;
  /** Every place discovery looked, in order, with what it found. */
  steps: string[];
  /** The version this client speaks with the engine, after negotiation. */
  apiVersion: string;
  serverApiVersion: string | undefined;
  serverVersion: string | undefined;
  /** skiffd started by this process for this test run (exits when its last session ends). */
  startedOnDemand: boolean;
  /** The pid of the skiffd this process started on demand. */
  onDemandPid?: number;
  /** Filled in once a session is open: the engine's session protocol, or a reaper process. */
  sessions: 'engine' | 'reaper' | 'none' | undefined;
}

/** A human-readable rendering, one fact per line. */
export function formatExplanation(e: EngineExplanation): string {
  return [
    `engine:      ${e.kind} at ${e.endpoint}${e.startedOnDemand ? ' (started on demand for this run)' : ''}`,
    `chosen by:   ${e.source}`,
    `api version: ${e.apiVersion} (engine max ${e.serverApiVersion ?? 'unknown'}, server ${e.serverVersion ?? 'unknown'})`,
    ...(e.sessions
      ? [
          `cleanup:     ${e.sessions === 'engine' ? 'engine-side sessions' : e.sessions === 'reaper' ? 'reaper process' : 'none'}`,
        ]
      : []),
    'looked at:',
    ...e.steps.map((s) => `  - ${s}`),
  ].join('\n');
}
