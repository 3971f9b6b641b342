/**
 * The engine the runner suites use, and a small API client to look behind the runners' backs.
 *
 * - `SKIFF_TEST_SKIFF_HOST`: an engine that is already running (the test harness's);
 * - otherwise a private skiffd for the suite: its own socket and scratch directory, the store at
 *   `SKIFF_TEST_SKIFF_ROOT` (default: a temp dir), `SKIFF_REGISTRY_MIRRORS` passed through so the
 *   service images come from the harness's mirror.
 *
 * busybox:1.35 is imported through the API when the engine lacks it; the postgres and redis images
 * are pulled by the engine itself (mirror) — suites that need them skip when they cannot be had.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../../..');

export interface TestEngine {
  /** `unix:///…/skiff.sock`. */
  host: string;
  socketPath: string;
  /** Environment for child runners: this engine, a short grace period. */
  env: NodeJS.ProcessEnv;
  api<T>(method: string, pathAndQuery: string, body?: Buffer | string, contentType?: string): Promise<T>;
  hasImage(name: string): Promise<boolean>;
  /** Containers and networks labelled with a session, for leak checks. */
  leftovers(sessionId: string): Promise<{ containers: string[]; networks: string[] }>;
  stop(): Promise<void>;
}

function request(
  socketPath: string,
  method: string,
  pathAndQuery: string,
  body?: Buffer | string,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path: pathAndQuery,
        agent: false,
        headers: body ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function waitForSocket(socketPath: string, child: { exitCode: number | null }): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await request(socketPath, 'GET', '/_ping');
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null)
      throw new Error(`skiffd exited with ${child.exitCode} before answering on ${socketPath}`);
    if (Date.now() > until) throw new Error(`skiffd did not answer on ${socketPath} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** busybox from Debian's busybox-static, imported through the engine's API (`docker import`). */
async function ensureBusybox(engine: TestEngine): Promise<void> {
  if (await engine.hasImage('busybox:1.35')) return;
  const cache = path.join(os.tmpdir(), 'skiff-runner-fixtures');
  mkdirSync(cache, { recursive: true });
  const tar = path.join(cache, 'busybox-rootfs.tar');
  if (!existsSync(tar)) execFileSync('bash', [path.join(repo, 'fixtures/busybox/make-rootfs.sh'), tar]);
  const changes = encodeURIComponent('CMD ["sh"]');
  const res = await request(
    engine.socketPath,
    'POST',
    `/images/create?fromSrc=-&repo=busybox&tag=1.35&changes=${changes}`,
    readFileSync(tar),
    'application/x-tar',
  );
  if (res.status !== 200 || res.text.includes('"error"')) throw new Error(`importing busybox: ${res.text}`);
}

export async function startTestEngine(): Promise<TestEngine> {
  const given = process.env.SKIFF_TEST_SKIFF_HOST;
  let socketPath: string;
  let stop = async () => undefined;
  if (given) {
    socketPath = given.replace(/^unix:\/\//, '');
  } else {
    const dir = mkdtempSync(path.join('/dev/shm', 'skiff-runners-e2e-'));
    socketPath = path.join(dir, 'skiff.sock');
    const root = process.env.SKIFF_TEST_SKIFF_ROOT ?? path.join(dir, 'root');
    const child = spawn(
      process.execPath,
      [path.join(repo, 'engine/bin/skiffd.js'), '--foreground', '--ephemeral'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          SKIFF_HOST: `unix://${socketPath}`,
          SKIFF_ROOT: root,
          SKIFF_SCRATCH: path.join(dir, 'scratch'),
          SKIFF_ENGINE_NAME: `runners-e2e-${process.pid}-${Math.random().toString(36).slice(2, 7)}`,
          SKIFF_LOG_LEVEL: 'warn',
        },
      },
    );
    await waitForSocket(socketPath, child);
    stop = async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    };
  }
  const host = `unix://${socketPath}`;
  const engine: TestEngine = {
    host,
    socketPath,
    env: { SKIFF_HOST: host, SKIFF_SESSION_GRACE_MS: '500' },
    async api<T>(method: string, pathAndQuery: string, body?: Buffer | string, contentType?: string) {
      const res = await request(socketPath, method, pathAndQuery, body, contentType);
      if (res.status >= 400) throw new Error(`${method} ${pathAndQuery}: HTTP ${res.status} ${res.text}`);
      return (res.text ? JSON.parse(res.text) : undefined) as T;
    },
    async hasImage(name: string) {
      const res = await request(socketPath, 'GET', `/images/${encodeURIComponent(name)}/json`);
      return res.status === 200;
    },
    async leftovers(sessionId: string) {
      const filters = encodeURIComponent(JSON.stringify({ label: [`dev.skiff.session=${sessionId}`] }));
      const [containers, networks] = await Promise.all([
        engine.api<{ Id: string }[]>('GET', `/containers/json?all=1&filters=${filters}`),
        // An engine without the network API yet has no networks to leak.
        request(socketPath, 'GET', `/networks?filters=${filters}`).then((res) =>
          res.status === 404 ? [] : (JSON.parse(res.text) as { Id: string }[]),
        ),
      ]);
      return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
    },
    stop: async () => {
      await stop();
    },
  };
  await ensureBusybox(engine);
  return engine;
}
