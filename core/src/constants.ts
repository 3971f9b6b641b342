/** Magic strings of `@skiff/core`, in one place (STYLE.md habit 5). */

/** Docker Engine API versions this client speaks. 1.41 is Docker 20.10 and Podman 4's compat API. */
export const MIN_API_VERSION = '1.41';
export const MAX_API_VERSION = '1.45';

export const CORE_VERSION = '0.1.0';
export const USER_AGENT = `skiff-core/${CORE_VERSION}`;

/** Where a running `skiffd` listens unless `SKIFF_HOST` says otherwise. */
export const DEFAULT_SKIFF_SOCKET = '/run/skiff/skiff.sock';
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
export const DEFAULT_POLL_INTERVAL_MS = 100;
/** How long the engine (or the reaper) waits after a session's connection drops before reaping. */
export const DEFAULT_SESSION_GRACE_MS = 3_000;
export const FAILURE_LOG_LINES = 50;

/**
 * Labels on every resource core creates. The session key is the engine's own
 * (`engine/src/constants.ts` `Label.Session`): core cannot import it, so it is repeated here.
 */
export const Label = {
  Session: 'dev.skiff.session',
  /** Which process owns the session, so a sweep can tell live sessions from dead ones. */
  SessionPid: 'dev.skiff.session.pid',
  SessionHost: 'dev.skiff.session.host',
  Managed: 'dev.skiff.managed',
  Lang: 'dev.skiff.lang',
  Version: 'dev.skiff.version',
  /** Reuse key: sha256 of the full container configuration. */
  ContainerHash: 'dev.skiff.container-hash',
} as const;

/** Hostnames a container uses to reach servers in the test process. */
export const HOST_ALIASES = ['host.skiff.internal', 'host.testcontainers.internal'] as const;

export const Header = {
  ApiVersion: 'api-version',
  /** Sent by skiffd on `/_ping` (see core/SESSIONS.md); its absence means another engine. */
  SkiffVersion: 'skiff-version',
  SkiffSessions: 'skiff-sessions',
  Server: 'server',
} as const;

/** The session protocol skiffd speaks; see core/SESSIONS.md. */
export const SessionRoutes = {
  create: '/skiff/v1/sessions',
  keepalive: (id: string) => `/skiff/v1/sessions/${encodeURIComponent(id)}/keepalive`,
  remove: (id: string) => `/skiff/v1/sessions/${encodeURIComponent(id)}`,
} as const;

/** Environment variables core reads. Nothing is required. */
export const Env = {
  SkiffHost: 'SKIFF_HOST',
  SkiffEngine: 'SKIFF_ENGINE',
  NoAutostart: 'SKIFF_NO_AUTOSTART',
  DockerHost: 'DOCKER_HOST',
  DockerTlsVerify: 'DOCKER_TLS_VERIFY',
  DockerCertPath: 'DOCKER_CERT_PATH',
  HostOverride: 'SKIFF_HOST_OVERRIDE',
  TcHostOverride: 'TESTCONTAINERS_HOST_OVERRIDE',
  KeepOnFailure: 'SKIFF_KEEP_ON_FAILURE',
  ImagePrefix: 'SKIFF_IMAGE_PREFIX',
  TcImagePrefix: 'TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX',
  ImageMap: 'SKIFF_IMAGE_MAP',
  DefaultNetwork: 'SKIFF_DEFAULT_NETWORK',
  SessionGraceMs: 'SKIFF_SESSION_GRACE_MS',
  ExitWhenIdle: 'SKIFF_EXIT_WHEN_IDLE',
  LockDir: 'SKIFF_LOCK_DIR',
  Debug: 'SKIFF_DEBUG',
  LogLevel: 'SKIFF_LOG_LEVEL',
} as const;
