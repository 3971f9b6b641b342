import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { busyboxTar, type SkiffdHarness } from '@skiff/testing';

const run = promisify(execFile);

/** Imports the busybox fixture as `busybox:latest` through the real `skiff import`. */
export async function importBusybox(h: SkiffdHarness): Promise<void> {
  const r = await h.skiff(['import', '--change', 'CMD ["sh"]', await busyboxTar(), 'busybox:latest']);
  if (r.code !== 0) throw new Error(`skiff import failed: ${r.stderr}`);
}

/** The 8-hex id `@skiff/net` marks this engine's kernel objects with (`skiff:<id>:…`, `skf-<id>-…`). */
export async function netEngineId(h: SkiffdHarness): Promise<string> {
  const file = path.join(h.base, 'root', 'engines', h.engineName, 'net', 'engine-id');
  return (await readFile(file, 'utf8')).trim();
}

export interface KernelObjects {
  /** Bridges and veth host ends carrying the engine's link alias. */
  links: string[];
  /** Network namespaces named after the engine. */
  netns: string[];
}

/** What the kernel holds for one engine: only its own objects, whatever other engines do meanwhile. */
export async function kernelObjectsOf(engineId: string): Promise<KernelObjects> {
  const { stdout: links } = await run('ip', ['-d', '-o', 'link', 'show']);
  const { stdout: netns } = await run('ip', ['netns', 'list']);
  return {
    links: links
      .split('\n')
      .filter((l) => l.includes(`alias skiff:${engineId}:`))
      .map((l) => (l.split(':')[1] ?? '').trim().replace(/@.*$/, ''))
      .sort(),
    netns: netns
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`skf-${engineId}-`))
      .sort(),
  };
}

/** TCP and UDP sockets a process listens on (`ss`), as `tcp 127.0.0.1:41083` lines, sorted. */
export async function listeningSockets(pid: number): Promise<string[]> {
  const { stdout } = await run('ss', ['-H', '-l', '-n', '-t', '-u', '-p']);
  return stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => {
      const [proto = '', , , , local = ''] = l.trim().split(/\s+/);
      return `${proto} ${local}`;
    })
    .sort();
}

/** Retries `fn` until it returns without throwing (readiness right after a start needs a moment). */
export async function eventually<T>(fn: () => Promise<T>, tries = 100, delayMs = 100): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  throw last;
}

export const V = '/v1.45';

export function jsonBody(value: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } };
}
