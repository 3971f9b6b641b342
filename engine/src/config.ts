import path from 'node:path';
import { DEFAULT_ENGINE_NAME, DEFAULT_ROOT, DEFAULT_SCRATCH_ROOT, DEFAULT_SOCKET_PATH } from './constants.js';

export type RuntimeName = 'crun' | 'runc';

/** Everything the engine reads from its environment, resolved once at the composition root. */
export interface EngineConfig {
  /** Persistent store shared by every engine on the machine: content, snapshots, images, volumes, build cache. */
  root: string;
  /** This engine's own state (container records, logs, networks): `<root>/engines/<name>`. */
  stateDir: string;
  /** tmpfs space for container upper dirs and OCI bundles. */
  scratchDir: string;
  /** Unix socket the API listens on. */
  socketPath: string;
  engineName: string;
  /** `undefined` picks crun when it works on this host, runc otherwise. */
  runtime: RuntimeName | undefined;
  registryMirrors: string[];
  insecureRegistries: string[];
  /** Outbound NAT for bridge networks; off by default so containers have no route beyond the machine. */
  outboundNat: boolean;
  /**
   * Published ports without a host address also answer on the default bridge's gateway (same port):
   * testcontainers on a machine with `/.dockerenv` checks every port there. On by default (Docker
   * binds 0.0.0.0, every address); `SKIFF_PUBLISH_ON_BRIDGE_GATEWAY=0` keeps them on loopback only.
   */
  publishOnBridgeGateway: boolean;
  /** Grace period before a dead session's resources are removed. */
  sessionGraceMs: number;
  /** An engine started for one test run exits when its last session ends. */
  exitWhenIdle: boolean;
  logLevel: string;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `SKIFF_HOST` is a `unix://` URL or a bare path. */
export function socketPathFromHost(host: string | undefined): string {
  if (!host) return DEFAULT_SOCKET_PATH;
  return host.startsWith('unix://') ? host.slice('unix://'.length) : host;
}

export function loadEngineConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<EngineConfig> = {},
): EngineConfig {
  const root = overrides.root ?? env.SKIFF_ROOT ?? DEFAULT_ROOT;
  const engineName = overrides.engineName ?? env.SKIFF_ENGINE_NAME ?? DEFAULT_ENGINE_NAME;
  const runtime =
    env.SKIFF_RUNTIME === 'crun' || env.SKIFF_RUNTIME === 'runc' ? env.SKIFF_RUNTIME : undefined;
  return {
    root,
    stateDir: path.join(root, 'engines', engineName),
    scratchDir: path.join(env.SKIFF_SCRATCH ?? DEFAULT_SCRATCH_ROOT, engineName),
    socketPath: socketPathFromHost(env.SKIFF_HOST),
    engineName,
    runtime,
    registryMirrors: list(env.SKIFF_REGISTRY_MIRRORS),
    insecureRegistries: list(env.SKIFF_INSECURE_REGISTRIES),
    outboundNat: env.SKIFF_OUTBOUND_NAT === '1' || env.SKIFF_OUTBOUND_NAT === 'true',
    publishOnBridgeGateway: !['0', 'false'].includes(env.SKIFF_PUBLISH_ON_BRIDGE_GATEWAY ?? ''),
    sessionGraceMs: Number(env.SKIFF_SESSION_GRACE_MS ?? 3000),
    exitWhenIdle: env.SKIFF_EXIT_WHEN_IDLE === '1',
    logLevel: env.SKIFF_LOG_LEVEL ?? 'info',
    ...overrides,
  };
}
