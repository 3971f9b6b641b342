import { DEFAULT_SESSION_GRACE_MS, Env } from '../constants.js';
import { negotiateApiVersion } from '../engine/api-version.js';
import { discoverEngine } from '../engine/discover-engine.js';
import { formatEndpoint } from '../engine/endpoint.js';
import { EngineClient } from '../engine/engine-client.js';
import type { EngineExplanation } from '../engine/engine-explanation.js';
import type { WireVersion } from '../engine/wire-types.js';
import { createImageSubstitutor } from '../images/image-substitutor.js';
import { createPinoLogger, type Logger, silentLogger } from '../logger.js';
import { EngineSession } from '../session/engine-session.js';
import { ReaperSession, UnwatchedSession } from '../session/reaper-session.js';
import type { Session } from '../session/session.js';
import { installSignalCleanup } from '../session/signal-cleanup.js';
import { systemClock } from '../util/clock.js';
import { defaultLockDir } from '../util/file-lock.js';
import type { RuntimeOptions } from './runtime-options.js';
import { SkiffRuntime } from './skiff-runtime.js';

async function defaultLogger(env: NodeJS.ProcessEnv): Promise<Logger> {
  const level = env[Env.LogLevel] ?? (env[Env.Debug] === '1' ? 'debug' : undefined);
  return level ? createPinoLogger(level) : silentLogger();
}

function flag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

/** Finds the engine, negotiates the API version, opens a session: a ready runtime. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<SkiffRuntime> {
  const env = options.env ?? process.env;
  const logger = options.logger ?? (await defaultLogger(env));
  const discovered = await discoverEngine(options);
  const serverMax = discovered.headers['api-version'] as string | undefined;
  // `/version` is unversioned-safe and tells the minimum the engine accepts.
  const probe = new EngineClient(discovered.endpoint, serverMax ?? '1.41', logger);
  let version: WireVersion = {};
  try {
    version = await probe.json<WireVersion>('GET', '/version', { versioned: false });
  } finally {
    await probe.close();
  }
  const apiVersion = negotiateApiVersion(
    serverMax ?? version.ApiVersion,
    version.MinAPIVersion,
    `the ${discovered.kind} engine at ${formatEndpoint(discovered.endpoint)}`,
  );
  const client = new EngineClient(discovered.endpoint, apiVersion, logger.child({ engine: discovered.kind }));

  const graceMs = options.sessionGraceMs ?? Number(env[Env.SessionGraceMs] ?? DEFAULT_SESSION_GRACE_MS);
  const sessionsMode = options.sessions ?? 'auto';
  let session: Session | undefined;
  if (sessionsMode === 'none') session = new UnwatchedSession(client);
  else if (sessionsMode === 'auto' && discovered.kind === 'skiff') {
    session = await EngineSession.open(client, graceMs, logger);
  }
  session ??= ReaperSession.start(client, graceMs, logger);

  const explanation: EngineExplanation = {
    kind: discovered.kind,
    endpoint: formatEndpoint(discovered.endpoint),
    source: discovered.source,
    steps: discovered.steps,
    apiVersion,
    serverApiVersion: serverMax ?? version.ApiVersion,
    serverVersion: version.Version,
    startedOnDemand: discovered.startedOnDemand,
    ...(discovered.onDemandPid ? { onDemandPid: discovered.onDemandPid } : {}),
    sessions: session.mode,
  };
  const override = options.hostOverride ?? env[Env.HostOverride] ?? env[Env.TcHostOverride];
  const endpoint = discovered.endpoint;
  const host = override ?? (endpoint.kind === 'tcp' ? endpoint.host : '127.0.0.1');
  const runtime = new SkiffRuntime({
    client,
    explanation,
    session,
    logger: logger.child({ session: session.id }),
    clock: options.clock ?? systemClock,
    host,
    // A local engine publishes on loopback only (stricter than Docker's 0.0.0.0), unless the tests
    // reach it through another address.
    publishHostIp: endpoint.kind === 'unix' && !override ? '127.0.0.1' : undefined,
    keepOnFailure: options.keepOnFailure ?? flag(env[Env.KeepOnFailure]),
    substituteImage: createImageSubstitutor(options.images, env),
    defaultNetwork: options.defaultNetwork ?? env[Env.DefaultNetwork],
    lockDir: options.lockDir ?? defaultLockDir(env),
  });
  if (options.handleSignals ?? true) {
    const uninstall = installSignalCleanup(() => session.close(), runtime.logger);
    runtime.onClose(async () => uninstall());
  }
  logger.debug({ explanation }, 'runtime ready');
  return runtime;
}
