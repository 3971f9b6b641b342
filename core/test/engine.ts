/**
 * The one place the core e2e suites choose their engine: `SKIFF_TEST_ENGINE=docker` (default
 * while skiffd is being built) or `skiff`. Every suite gets a runtime from here, made the default
 * runtime, and the fixture images it needs, imported through the engine's own API.
 *
 * - docker: `SKIFF_TEST_DOCKER_HOST` (default unix:///run/skiff-dev-docker.sock, a private dockerd
 *   started with --bridge=none, so a per-suite network stands in for the default bridge).
 * - skiff: `SKIFF_TEST_SKIFF_HOST` when set, else a skiffd from @skiff/engine started for the suite
 *   on its own socket, root and scratch directories.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, defaultRuntime, type RuntimeOptions, type SkiffRuntime } from '@skiff/core';
import { EngineClient } from '../src/engine/engine-client.js';
import { importImage, inspectImage } from '../src/engine/images-api.js';
import { createNetwork, listNetworks, removeNetwork } from '../src/engine/networks-api.js';
import { resolveSkiffd } from '../src/engine/on-demand-engine.js';
import { silentLogger } from '../src/logger.js';

export type TestEngineKind = 'skiff' | 'docker';

export const ENGINE: TestEngineKind = process.env.SKIFF_TEST_ENGINE === 'skiff' ? 'skiff' : 'docker';

export const BUSYBOX = 'busybox:1.35';
export const NOSHELL = 'skiff-test/noshell:1';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const fixtureCache = path.join(os.tmpdir(), 'skiff-core-fixtures');

export interface TestEngine {
  kind: TestEngineKind;
  /** Options for `createRuntime()` that reach this engine; tests add their own. */
  options: RuntimeOptions;
  /** The engine address, for child processes (`SKIFF_HOST` or `DOCKER_HOST` form). */
  host: string;
  /** Environment that makes a child process's default runtime use this engine. */
  env: NodeJS.ProcessEnv;
  /** A runtime of its own (already the default runtime). */
  runtime: SkiffRuntime;
  /** A client for checks behind the library's back (listing leftovers, inspecting). */
  client: EngineClient;
  stop(): Promise<void>;
}

const TEST_NETWORK_PID = 'dev.skiff.core-test.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function suffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

async function startSkiffd(): Promise<{ host: string; stop: () => Promise<void> }> {
  const given = process.env.SKIFF_TEST_SKIFF_HOST;
  if (given) return { host: given, stop: async () => undefined };
  const skiffd = resolveSkiffd();
  if ('missing' in skiffd) throw new Error(`SKIFF_TEST_ENGINE=skiff: ${skiffd.missing}`);
  const dir = mkdtempSync(path.join('/dev/shm', 'skiff-core-e2e-'));
  const socket = path.join(dir, 'skiff.sock');
  const child = spawn(process.execPath, [skiffd.path], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      SKIFF_HOST: `unix://${socket}`,
      SKIFF_ROOT: process.env.SKIFF_TEST_SKIFF_ROOT ?? path.join(dir, 'root'),
      SKIFF_SCRATCH: path.join(dir, 'scratch'),
      SKIFF_ENGINE_NAME: `core-e2e-${suffix()}`,
      SKIFF_LOG_LEVEL: 'warn',
    },
  });
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      await EngineClient.ping({ kind: 'unix', socketPath: socket }, 500);
      break;
    } catch (err) {
      if (Date.now() > until || child.exitCode !== null)
        throw new Error(`skiffd did not come up on ${socket}: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    host: `unix://${socket}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Makes the fixture images exist on the engine, through its import endpoint (`docker import`). */
export async function ensureFixtureImages(client: EngineClient): Promise<void> {
  mkdirSync(fixtureCache, { recursive: true });
  if (!(await inspectImage(client, BUSYBOX))) {
    const tar = path.join(fixtureCache, 'busybox-rootfs.tar');
    if (!existsSync(tar)) execFileSync('bash', [path.join(repo, 'fixtures/busybox/make-rootfs.sh'), tar]);
    const error = await importImage(client, readFileSync(tar), BUSYBOX, ['CMD ["sh"]']);
    if (error) throw new Error(`importing ${BUSYBOX}: ${error}`);
  }
  if (!(await inspectImage(client, NOSHELL))) {
    const bin = path.join(fixtureCache, 'noshell-server');
    if (!existsSync(bin)) {
      execFileSync('g++', ['-static', '-O2', '-o', bin, path.join(here, 'fixtures/noshell-server.cpp')]);
    }
    const root = mkdtempSync(path.join(os.tmpdir(), 'noshell-root-'));
    try {
      execFileSync('cp', [bin, path.join(root, 'server')]);
      const tar = execFileSync('tar', ['--owner=0', '--group=0', '-C', root, '-cf', '-', 'server'], {
        maxBuffer: 64 << 20,
      });
      const error = await importImage(client, tar, NOSHELL, ['CMD ["/server", "8080"]', 'EXPOSE 8080']);
      if (error) throw new Error(`importing ${NOSHELL}: ${error}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}

/**
 * Connects to the engine under test, makes the fixture images, and installs a runtime as the
 * default. Call `stop()` in `afterAll`: it closes the runtime (ending its session) and removes
 * what the helper created.
 */
export async function startTestEngine(extra: RuntimeOptions = {}): Promise<TestEngine> {
  const cleanups: (() => Promise<void>)[] = [];
  let host: string;
  let options: RuntimeOptions;
  let env: NodeJS.ProcessEnv;
  if (ENGINE === 'docker') {
    host = process.env.SKIFF_TEST_DOCKER_HOST ?? 'unix:///run/skiff-dev-docker.sock';
    options = { host, engine: 'docker' };
    env = { SKIFF_ENGINE: 'docker', DOCKER_HOST: host };
  } else {
    const skiffd = await startSkiffd();
    cleanups.push(skiffd.stop);
    host = skiffd.host;
    options = { host };
    env = { SKIFF_HOST: host };
  }
  const endpoint = (await import('../src/engine/endpoint.js')).parseEngineHost(host);
  const headers = await EngineClient.ping(endpoint);
  const client = new EngineClient(endpoint, String(headers['api-version'] ?? '1.41'), silentLogger());
  cleanups.push(() => client.close());
  await ensureFixtureImages(client);

  if (ENGINE === 'docker') {
    // This dockerd runs with --bridge=none: give containers without a network a bridge of their own.
    // It is labelled with this process's pid, so a later run removes it if this one dies first.
    for (const stale of await listNetworks(client, { label: [TEST_NETWORK_PID] })) {
      const pid = Number(stale.Labels?.[TEST_NETWORK_PID]);
      if (!alive(pid)) await removeNetwork(client, stale.Id).catch(() => undefined);
    }
    const name = `skiff-core-test-${suffix()}`;
    const id = await createNetwork(client, {
      Name: name,
      Driver: 'bridge',
      Internal: false,
      Labels: { [TEST_NETWORK_PID]: String(process.pid) },
    });
    cleanups.push(() => removeNetwork(client, id));
    options = { ...options, defaultNetwork: name };
    env = { ...env, SKIFF_DEFAULT_NETWORK: name };
  }
  const runtime = await createRuntime({ ...options, handleSignals: false, ...extra });
  defaultRuntime.use(runtime);
  return {
    kind: ENGINE,
    options,
    host,
    env,
    runtime,
    client,
    stop: async () => {
      await defaultRuntime.reset();
      await runtime.close();
      for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    },
  };
}

/** A name no other test (or engineer) uses at the same time. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${suffix()}`;
}
