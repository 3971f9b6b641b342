/**
 * The one place suites choose the engine they run against, by `SKIFF_TEST_ENGINE`:
 *
 * - `skiff` (the default): `SKIFF_TEST_SKIFF_HOST` when set (an engine that is already running),
 *   else a private ephemeral skiffd for the suite (see `SkiffdHarness`), its store at
 *   `SKIFF_TEST_SKIFF_ROOT` when set (engines share a store safely), else a fresh one.
 * - `docker`: the Docker daemon at `SKIFF_TEST_DOCKER_HOST` (default
 *   `unix:///run/skiff-ci-docker.sock`, the dockerd `npm test` starts with `--bridge=none`). A
 *   network of the suite's own stands in for the default bridge; it carries the owner's pid, so a
 *   later run removes it when this one died first.
 *
 * busybox:1.35 is there when it returns (see `provideBusybox`).
 */
import { provideBusybox } from './busybox.js';
import { EngineApi } from './engine-api.js';
import { isAlive } from './processes.js';
import { SkiffdHarness } from './skiffd-harness.js';

export type TestEngineKind = 'skiff' | 'docker';

export const DEFAULT_TEST_DOCKER_HOST = 'unix:///run/skiff-ci-docker.sock';

/** The engine the suites run against in this process. */
export function testEngineKind(env: NodeJS.ProcessEnv = process.env): TestEngineKind {
  const kind = env.SKIFF_TEST_ENGINE || 'skiff';
  if (kind !== 'skiff' && kind !== 'docker')
    throw new Error(`SKIFF_TEST_ENGINE=${kind}: expected "skiff" (the default) or "docker"`);
  return kind;
}

export interface EngineUnderTest {
  kind: TestEngineKind;
  /** `unix:///…` */
  host: string;
  socketPath: string;
  /** Environment that makes a child process's default runtime use this engine. */
  env: NodeJS.ProcessEnv;
  /** The network that stands in for the default bridge (Docker with `--bridge=none`). */
  defaultNetwork: string | undefined;
  /** A client for checks behind the backs of the clients under test. */
  engineApi: EngineApi;
  api<T>(method: string, pathAndQuery: string, body?: Buffer | string, contentType?: string): Promise<T>;
  hasImage(ref: string): Promise<boolean>;
  /** Containers and networks labelled with a session, for leak checks. */
  leftovers(sessionId: string): Promise<{ containers: string[]; networks: string[] }>;
  stop(): Promise<void>;
}

const TEST_NETWORK_PID = 'dev.skiff.core-test.pid';

function suffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

async function ping(api: EngineApi, what: string): Promise<void> {
  const res = await api.request('GET', '/_ping').catch((err: unknown) => {
    throw new Error(`${what} does not answer on ${api.socketPath}: ${String(err)}`);
  });
  if (res.status !== 200) throw new Error(`${what} on ${api.socketPath} answered /_ping with ${res.status}`);
}

/** A bridge network of the suite's own, removing those of runs that died first. */
async function standInNetwork(api: EngineApi): Promise<{ name: string; remove: () => Promise<void> }> {
  const filters = encodeURIComponent(JSON.stringify({ label: [TEST_NETWORK_PID] }));
  for (const stale of await api.call<{ Id: string; Labels?: Record<string, string> }[]>(
    'GET',
    `/networks?filters=${filters}`,
  )) {
    if (!isAlive(Number(stale.Labels?.[TEST_NETWORK_PID])))
      await api.call('DELETE', `/networks/${stale.Id}`).catch(() => undefined);
  }
  const name = `skiff-core-test-${suffix()}`;
  const { Id } = await api.call<{ Id: string }>(
    'POST',
    '/networks/create',
    JSON.stringify({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [TEST_NETWORK_PID]: String(process.pid) },
    }),
  );
  return { name, remove: () => api.call('DELETE', `/networks/${Id}`) };
}

export async function startEngineUnderTest(): Promise<EngineUnderTest> {
  const kind = testEngineKind();
  const cleanups: (() => Promise<unknown>)[] = [];
  let host: string;
  let env: NodeJS.ProcessEnv;
  let defaultNetwork: string | undefined;
  try {
    if (kind === 'docker') {
      host = process.env.SKIFF_TEST_DOCKER_HOST || DEFAULT_TEST_DOCKER_HOST;
      env = { SKIFF_ENGINE: 'docker', DOCKER_HOST: host };
    } else if (process.env.SKIFF_TEST_SKIFF_HOST) {
      host = process.env.SKIFF_TEST_SKIFF_HOST;
      env = { SKIFF_HOST: host };
    } else {
      const skiffd = new SkiffdHarness({
        logLevel: 'warn',
        prefix: 'skiff-test-engine-',
        name: 'test',
        root: process.env.SKIFF_TEST_SKIFF_ROOT,
      });
      cleanups.push(() => skiffd.cleanup());
      await skiffd.prepare();
      await skiffd.start();
      host = `unix://${skiffd.socketPath}`;
      env = { SKIFF_HOST: host };
    }
    if (!host.startsWith('unix://'))
      throw new Error(`the engine under test must be a unix socket, not ${host}`);
    const socketPath = host.slice('unix://'.length);
    const api = new EngineApi(socketPath);
    await ping(api, kind === 'docker' ? 'the Docker daemon (SKIFF_TEST_DOCKER_HOST)' : 'skiffd');
    await provideBusybox(api, { pull: kind === 'skiff' && Boolean(process.env.SKIFF_REGISTRY_MIRRORS) });
    if (kind === 'docker') {
      const network = await standInNetwork(api);
      cleanups.push(network.remove);
      defaultNetwork = network.name;
      env = { ...env, SKIFF_DEFAULT_NETWORK: network.name };
    }
    return {
      kind,
      host,
      socketPath,
      env,
      defaultNetwork,
      engineApi: api,
      api: <T>(method: string, p: string, body?: Buffer | string, contentType?: string) =>
        api.call<T>(method, p, body, contentType),
      hasImage: (ref) => api.hasImage(ref),
      leftovers: (sessionId) => api.leftovers(sessionId),
      stop: async () => {
        for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
      },
    };
  } catch (err: unknown) {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
    throw err;
  }
}
