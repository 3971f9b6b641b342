import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestEngine, type TestEngine, uniqueName } from '@skiff/testing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContainers, removeContainer } from '../src/engine/containers-api.js';
import { listNetworks } from '../src/engine/networks-api.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'fixtures/session-child.mjs');
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine();
});

afterAll(async () => {
  await engine?.stop();
});

function startChild(
  mode: string,
  env: NodeJS.ProcessEnv,
): { proc: ChildProcess; line: Promise<Record<string, unknown>> } {
  const proc = spawn(process.execPath, [child, mode], {
    cwd: path.resolve(here, '..'),
    env: { ...process.env, ...engine.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))) as Record<string, unknown>);
    });
    proc.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting: ${out}`)));
  });
  return { proc, line };
}

async function sessionLeftovers(session: string) {
  const filters = { label: [`dev.skiff.session=${session}`] };
  const [containers, networks] = await Promise.all([
    listContainers(engine.client, filters, { all: true }),
    listNetworks(engine.client, filters),
  ]);
  return { containers: containers.length, networks: networks.length };
}

describe('sessions', () => {
  it("removes a SIGKILLed process's containers and network within the grace period", async () => {
    const graceMs = 1_500;
    const { proc, line } = startChild('resources', { SKIFF_SESSION_GRACE_MS: String(graceMs) });
    const report = (await line) as { session: string; containers: string[]; network: string };
    expect(await sessionLeftovers(report.session)).toEqual({ containers: 2, networks: 1 });
    const killedAt = Date.now();
    proc.kill('SIGKILL');
    await expect
      .poll(() => sessionLeftovers(report.session), { timeout: graceMs + 15_000, interval: 250 })
      .toEqual({ containers: 0, networks: 0 });
    // Not before the grace period: a process that reconnects in time keeps its resources.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(graceMs);
  });

  it('removes the session at once on SIGTERM, long before the grace period', async () => {
    const { proc, line } = startChild('resources', { SKIFF_SESSION_GRACE_MS: '120000' });
    const report = (await line) as { session: string };
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.once('exit', (_c, signal) => resolve(signal)),
    );
    proc.kill('SIGTERM');
    // The handler re-raises the signal once it has cleaned up: the process still dies of SIGTERM.
    expect(await exited).toBe('SIGTERM');
    expect(await sessionLeftovers(report.session)).toEqual({ containers: 0, networks: 0 });
  });

  it('gives two processes asking at once one reusable container', async () => {
    const key = uniqueName('reuse');
    const a = startChild('reuse', { REUSE_KEY: key });
    const b = startChild('reuse', { REUSE_KEY: key });
    const [ra, rb] = await Promise.all([a.line, b.line]);
    try {
      expect(ra.id).toBe(rb.id);
      expect([ra.reused, rb.reused].sort()).toEqual([false, true]);
      // Reused containers outlive their sessions: both processes have ended, the container runs on.
      const [running] = await listContainers(engine.client, { id: [String(ra.id)] }, { all: true });
      expect(running?.State).toBe('running');
      expect(running?.Labels?.['dev.skiff.session']).toBeUndefined();
      // A different configuration is a different container.
      const other = startChild('reuse', { REUSE_KEY: `${key}-other` });
      const ro = await other.line;
      expect(ro.id).not.toBe(ra.id);
      await removeContainer(engine.client, String(ro.id));
    } finally {
      await removeContainer(engine.client, String(ra.id));
    }
  });
});
