import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SKIFF_BIN, type SkiffdHarness } from '@skiff/testing';

/** The compose suites pull their images through the fixture registry (`npm test` sets it up). */
export function requireFixtureRegistry(): void {
  if (!process.env.SKIFF_REGISTRY_MIRRORS) {
    throw new Error(
      'the compose suites pull busybox, redis and postgres from the fixture registry: run them with ' +
        '`node scripts/lib/with-fixture-registry.mjs npx vitest run engine/test/compose` (after `npm run fixtures`)',
    );
  }
}

/** Writes `files` (relative path → text) under `dir`, creating directories. */
export async function writeProject(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

/** `SERVICE URL` rows of `skiff up`'s table → service → URLs. */
export function parseUrls(stdout: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of stdout.split('\n').slice(1)) {
    const [service, url] = line.trim().split(/\s+/);
    if (!service || !url) continue;
    out[service] = [...(out[service] ?? []), url];
  }
  return out;
}

/** What the engine holds for a project: containers (all states), networks and volumes by label. */
export async function projectResources(
  h: SkiffdHarness,
  project: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }));
  const containers = (await h.http('GET', `/v1.45/containers/json?all=1&filters=${filters}`)).json<
    { Names: string[] }[]
  >();
  const networks = (await h.http('GET', `/v1.45/networks?filters=${filters}`)).json<{ Name: string }[]>();
  const volumes = (await h.http('GET', `/v1.45/volumes?filters=${filters}`)).json<{
    Volumes: { Name: string }[] | null;
  }>();
  return {
    containers: containers.map((c) => c.Names[0] ?? '').sort(),
    networks: networks.map((n) => n.Name).sort(),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name).sort(),
  };
}

/** A `skiff` process left running (foreground `up`), with its output as it comes. */
export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves when stdout or stderr matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnSkiff(h: SkiffdHarness, args: string[], cwd: string): RunningCli {
  const child = spawn(process.execPath, [SKIFF_BIN, ...args], {
    env: h.env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out) || pattern.test(err)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`skiff ${args.join(' ')} never printed ${pattern}:\n${out}\n${err}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`skiff ${args.join(' ')} exited before printing ${pattern}:\n${out}\n${err}`));
          }
        });
        check();
      });
    },
  };
}
