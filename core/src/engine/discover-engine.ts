import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_DOCKER_SOCKET, DEFAULT_SKIFF_SOCKET, Env, Header } from '../constants.js';
import { EngineUnavailableError, errorMessage } from '../errors.js';
import { defaultLockDir, withFileLock } from '../util/file-lock.js';
import type { EngineEndpoint } from './endpoint.js';
import { formatEndpoint, parseEngineHost } from './endpoint.js';
import type { EngineKind, EngineSource } from './engine-explanation.js';
import {
  canRunSkiffd,
  type OnDemandOptions,
  resolveSkiffd,
  startOnDemandEngine,
} from './on-demand-engine.js';

export interface DiscoveryOptions {
  env?: NodeJS.ProcessEnv;
  /** An engine chosen in code; wins over everything. */
  host?: string;
  /** `skiff` (default: skiffd only), `docker` (a Docker or Podman daemon), or `auto`. */
  engine?: 'skiff' | 'docker' | 'auto';
  /** Where a running skiffd is looked for. */
  defaultSkiffSocket?: string;
  /** Start skiffd when none answers (default: yes, unless `SKIFF_NO_AUTOSTART=1`). */
  autostart?: boolean;
  onDemand?: Partial<OnDemandOptions>;
  /** Explain only: never spawn anything (for `skiff doctor`). */
  dryRun?: boolean;
  /** How discovery reaches an endpoint; injectable for unit tests. */
  ping?: (endpoint: EngineEndpoint) => Promise<IncomingHttpHeaders>;
  readFile?: (file: string) => string;
}

export interface DiscoveredEngine {
  endpoint: EngineEndpoint;
  headers: IncomingHttpHeaders;
  kind: EngineKind;
  source: EngineSource;
  steps: string[];
  startedOnDemand: boolean;
  onDemandPid?: number;
}

/** Tells skiffd from Docker and Podman by the `/_ping` headers (`Skiff-Version`, or `Server: Skiff/...`). */
export function engineKindFromHeaders(headers: IncomingHttpHeaders): EngineKind {
  const server = String(headers[Header.Server] ?? '').toLowerCase();
  if (headers[Header.SkiffVersion] || server.startsWith('skiff')) return 'skiff';
  if (server.includes('libpod') || server.includes('podman')) return 'podman';
  if (server.includes('docker')) return 'docker';
  return 'unknown';
}

function dockerEndpoint(
  value: string,
  env: NodeJS.ProcessEnv,
  readFile: (f: string) => string,
): EngineEndpoint {
  const endpoint = parseEngineHost(value);
  const tlsVerify = env[Env.DockerTlsVerify];
  if (endpoint.kind === 'tcp' && tlsVerify && tlsVerify !== '0') {
    const dir = env[Env.DockerCertPath] ?? path.join(os.homedir(), '.docker');
    return {
      ...endpoint,
      tls: {
        ca: readFile(path.join(dir, 'ca.pem')),
        cert: readFile(path.join(dir, 'cert.pem')),
        key: readFile(path.join(dir, 'key.pem')),
      },
    };
  }
  return endpoint;
}

/** Docker/Podman sockets in the order testcontainers and the docker CLI look at them. */
function dockerCandidates(env: NodeJS.ProcessEnv): string[] {
  const uid = process.getuid?.() ?? 0;
  const runtimeDir = env.XDG_RUNTIME_DIR ?? `/run/user/${uid}`;
  return [
    DEFAULT_DOCKER_SOCKET,
    path.join(runtimeDir, 'docker.sock'),
    path.join(os.homedir(), '.docker', 'run', 'docker.sock'),
    path.join(os.homedir(), '.docker', 'desktop', 'docker.sock'),
    path.join(runtimeDir, 'podman', 'podman.sock'),
    '/run/podman/podman.sock',
  ];
}

/**
 * Finds the engine to use, recording every step:
 * 1. a host given in code; 2. `SKIFF_ENGINE=docker` → `DOCKER_HOST`, then the usual Docker and
 * Podman sockets; 3. `SKIFF_HOST`; 4. skiffd at the default socket; 5. a skiffd started on
 * demand for this test run. A Docker daemon is never picked implicitly.
 */
export async function discoverEngine(options: DiscoveryOptions): Promise<DiscoveredEngine> {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? ((f: string) => readFileSync(f, 'utf8'));
  const ping =
    options.ping ??
    (async (endpoint: EngineEndpoint) => (await import('./engine-client.js')).EngineClient.ping(endpoint));
  const steps: string[] = [];
  const found = (
    endpoint: EngineEndpoint,
    headers: IncomingHttpHeaders,
    source: EngineSource,
    startedOnDemand = false,
  ): DiscoveredEngine => ({
    endpoint,
    headers,
    kind: engineKindFromHeaders(headers),
    source,
    steps,
    startedOnDemand,
  });
  const tryPing = async (
    endpoint: EngineEndpoint,
    label: string,
  ): Promise<IncomingHttpHeaders | undefined> => {
    try {
      const headers = await ping(endpoint);
      steps.push(`${label} ${formatEndpoint(endpoint)}: answered (${engineKindFromHeaders(headers)})`);
      return headers;
    } catch (err) {
      steps.push(`${label} ${formatEndpoint(endpoint)}: ${errorMessage(err)}`);
      return undefined;
    }
  };
  const mustPing = async (endpoint: EngineEndpoint, source: EngineSource, label: string) => {
    const headers = await tryPing(endpoint, label);
    if (!headers)
      throw new EngineUnavailableError(
        `the engine chosen by ${label} does not answer:\n  ${steps.join('\n  ')}`,
      );
    return found(endpoint, headers, source);
  };

  if (options.host)
    return mustPing(dockerEndpoint(options.host, env, readFile), 'explicit', 'host given in code');

  const choice = options.engine ?? (env[Env.SkiffEngine] as DiscoveryOptions['engine']) ?? 'auto';
  if (choice === 'docker') {
    const dockerHost = env[Env.DockerHost];
    if (dockerHost) return mustPing(dockerEndpoint(dockerHost, env, readFile), 'DOCKER_HOST', 'DOCKER_HOST');
    steps.push('DOCKER_HOST: not set');
    for (const socket of dockerCandidates(env)) {
      const endpoint: EngineEndpoint = { kind: 'unix', socketPath: socket };
      const headers = await tryPing(endpoint, 'docker socket');
      if (headers) return found(endpoint, headers, 'docker-socket');
    }
    throw new EngineUnavailableError(
      `SKIFF_ENGINE=docker, but no Docker or Podman daemon answers:\n  ${steps.join('\n  ')}\n` +
        'Start the daemon or set DOCKER_HOST to its socket',
    );
  }

  const skiffHost = env[Env.SkiffHost];
  if (skiffHost) return mustPing(parseEngineHost(skiffHost), 'SKIFF_HOST', 'SKIFF_HOST');
  steps.push('SKIFF_HOST: not set');

  const socketPath = options.defaultSkiffSocket ?? DEFAULT_SKIFF_SOCKET;
  const defaultEndpoint: EngineEndpoint = { kind: 'unix', socketPath };
  const running = await tryPing(defaultEndpoint, 'skiffd default socket');
  if (running) return found(defaultEndpoint, running, 'default-socket');

  const autostart = options.autostart ?? env[Env.NoAutostart] !== '1';
  const allowed = canRunSkiffd();
  const skiffd = resolveSkiffd();
  if (!autostart) steps.push('on-demand skiffd: disabled (SKIFF_NO_AUTOSTART=1)');
  else if (!allowed.ok) steps.push(`on-demand skiffd: not possible here (${allowed.reason})`);
  else if ('missing' in skiffd && !options.onDemand?.skiffdPath)
    steps.push(`on-demand skiffd: ${skiffd.missing}`);
  else if (options.dryRun) {
    steps.push(
      `on-demand skiffd: would start ${'path' in skiffd ? skiffd.path : options.onDemand?.skiffdPath}`,
    );
    return found(defaultEndpoint, {}, 'on-demand', true);
  } else {
    const onDemandSocket = options.onDemand?.socketPath ?? socketPath;
    const endpoint: EngineEndpoint = { kind: 'unix', socketPath: onDemandSocket };
    const lockFile = path.join(
      defaultLockDir(env),
      `skiffd-${Buffer.from(onDemandSocket).toString('hex')}.lock`,
    );
    // Several test workers may get here at once: one starts skiffd, the others find it running.
    let pid: number | undefined;
    const headers = await withFileLock(lockFile, async () => {
      const again = await tryPing(endpoint, 'on-demand socket (under lock)');
      if (again) return again;
      const isUp = async (p: string) => {
        try {
          await ping({ kind: 'unix', socketPath: p });
          return true;
        } catch {
          return false;
        }
      };
      const started = await startOnDemandEngine({ ...options.onDemand, socketPath: onDemandSocket }, isUp);
      steps.push(`on-demand skiffd: started ${started.skiffdPath} (pid ${started.pid}) on ${onDemandSocket}`);
      pid = started.pid;
      return ping(endpoint);
    });
    return { ...found(endpoint, headers, 'on-demand', true), ...(pid ? { onDemandPid: pid } : {}) };
  }

  const dockerHint = env[Env.DockerHost]
    ? ` DOCKER_HOST is set (${env[Env.DockerHost]}): set SKIFF_ENGINE=docker to use that daemon.`
    : '';
  throw new EngineUnavailableError(
    `no container engine found:\n  ${steps.join('\n  ')}\n` +
      `Start one with \`skiff engine start\`, set SKIFF_HOST to a running skiffd, or set SKIFF_ENGINE=docker.${dockerHint}`,
  );
}
