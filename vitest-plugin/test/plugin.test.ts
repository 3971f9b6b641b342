/**
 * The `skiff()` plugin in real vitest runs: a child vitest (the fixture project under
 * test/fixtures/project, on the built packages) against a real engine, checked from outside.
 */
import { execFileSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type EngineUnderTest,
  pollUntil,
  type RunnerProcess,
  REPO as repo,
  startEngineUnderTest,
  startRunner,
} from '@skiff/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.join(here, 'fixtures/project');
const vitestBin = path.join(repo, 'node_modules/vitest/vitest.mjs');

interface Report {
  skiff: { sessionId: string; sessionMode: string; engineHost: string; broker: string; services: string[] };
  web?: { id: string; ports: Record<string, number> };
  skiffHost?: string;
}

let engine: EngineUnderTest;
const runners: RunnerProcess[] = [];

// The child vitest runs the packages as users get them: built (`npm test` builds before the suites).
beforeAll(async () => {
  engine = await startEngineUnderTest();
});

afterEach(() => {
  for (const r of runners.splice(0)) r.cleanup();
});

afterAll(async () => {
  await engine?.stop();
});

function vitest(scenario: string, args: string[] = ['run'], env: NodeJS.ProcessEnv = {}): RunnerProcess {
  const runner = startRunner([process.execPath, vitestBin, ...args], {
    cwd: project,
    env: { ...engine.env, SKIFF_SESSION_GRACE_MS: '500', SKIFF_FIXTURE_SCENARIO: scenario, ...env },
  });
  runners.push(runner);
  return runner;
}

describe('skiff() vitest plugin', () => {
  it('starts the declared services once before the tests, provides them, and removes them after the run', async () => {
    const run = vitest('basic');
    const { code } = await run.exited;
    expect(run.output(), run.output()).toMatch(/Tests\s+2 passed/);
    expect(code).toBe(0);
    expect(run.output()).toMatch(/\[skiff\] services ready in \d+ ms/);
    const [report] = run.reports<Report>();
    expect(report?.skiff.engineHost).toBe(engine.host);
    expect(report?.skiffHost).toBe(engine.host);
    expect(await engine.leftovers(report?.skiff.sessionId ?? '')).toEqual({ containers: [], networks: [] });
  });

  it('gives each test file its own postgres database and a clean redis database', async () => {
    const run = vitest('data');
    const { code } = await run.exited;
    expect(code, run.output()).toBe(0);
    const reports = run.reports<{ db: string; cache: number; pool: string; main: { database: string } }>();
    expect(reports).toHaveLength(2);
    const [one, two] = reports;
    expect(one?.db).not.toBe(two?.db);
    expect(one?.db).toMatch(new RegExp(`^test_w${one?.pool}_[0-9a-f]{10}$`));
    expect(one?.main.database).toBe('test');
    expect(one?.cache).toBeGreaterThanOrEqual(1);
  });

  it('joins services to a declared network, where they reach each other by name', async (ctx) => {
    const networks = await engine.api('GET', '/networks').catch(() => undefined);
    if (!networks) ctx.skip('this engine has no network API yet');
    const run = vitest('network');
    const { code } = await run.exited;
    expect(code, run.output()).toBe(0);
    const [report] = run.reports<Report>();
    expect(await engine.leftovers(report?.skiff.sessionId ?? '')).toEqual({ containers: [], networks: [] });
  });

  it("fails the run with the failing container's logs, and stops the services that did start", async () => {
    const run = vitest('failing');
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    const output = run.output();
    expect(output).toContain('service "broken" (busybox:1.35) failed to start');
    expect(output).toContain('broken-service-marker: config file missing');
    expect(await engine.engineApi.containersOfPid(run.proc.pid ?? 0)).toEqual([]);
  });

  it.each([
    ['typo', 'unknown container() option "prots". Did you mean "ports"?'],
    ['cycle', 'services depend on each other in a cycle: a → b → a'],
  ])('refuses bad declarations (%s) before anything starts', async (scenario, message) => {
    const run = vitest(scenario);
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain(message);
    expect(await engine.engineApi.containersOfPid(run.proc.pid ?? 0)).toEqual([]);
  });

  it('refuses a service declared twice (two skiff() plugins), before anything starts', async () => {
    const run = vitest('single', ['run'], { SKIFF_FIXTURE_TWICE: '1' });
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain('service "web" is declared twice');
    expect(await engine.engineApi.containersOfPid(run.proc.pid ?? 0)).toEqual([]);
  });

  it('refuses a fixed host port that is already taken, before anything starts', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const run = vitest('fixedport', ['run'], {
        SKIFF_FIXTURE_CHECKS: 'failing',
        SKIFF_FIXTURE_PORT: String(port),
      });
      const { code } = await run.exited;
      expect(code).not.toBe(0);
      expect(run.output()).toContain(`host port ${port} (service "web") is already in use on this machine`);
      expect(await engine.engineApi.containersOfPid(run.proc.pid ?? 0)).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('leaves nothing behind when the vitest process is SIGKILLed mid-run', async () => {
    const hold = path.join(os.tmpdir(), `skiff-runner-hold-${process.pid}`);
    execFileSync('touch', [hold]);
    try {
      const run = vitest('single', ['run'], { SKIFF_FIXTURE_HOLD: hold });
      const [report] = await run.waitForReports<Report>(1);
      const session = report?.skiff.sessionId ?? '';
      // skiffd watches the session itself (core/SESSIONS.md): no reaper process is involved.
      expect(report?.skiff.sessionMode).toBe('engine');
      expect((await engine.leftovers(session)).containers).toHaveLength(1);
      run.killGroup('SIGKILL');
      expect((await run.exited).signal).toBe('SIGKILL');
      const left = await pollUntil(
        () => engine.leftovers(session),
        (l) => l.containers.length === 0 && l.networks.length === 0,
        20_000,
      );
      expect(left).toEqual({ containers: [], networks: [] });
    } finally {
      execFileSync('rm', ['-f', hold]);
    }
  });

  it('keeps the services across watch-mode reruns and removes them when vitest exits', async () => {
    const run = vitest('single', ['--watch']);
    const [first] = await run.waitForReports<Report>(1);
    const check = path.join(project, 'checks/single.check.ts');
    const now = new Date();
    utimesSync(check, now, now);
    const [, second] = await run.waitForReports<Report>(2);
    expect(second?.skiff.sessionId).toBe(first?.skiff.sessionId);
    expect(second?.web?.id).toBe(first?.web?.id);
    expect(run.output().match(/services ready/g)).toHaveLength(1);
    run.proc.kill('SIGTERM');
    await run.exited;
    const left = await pollUntil(
      () => engine.leftovers(first?.skiff.sessionId ?? ''),
      (l) => l.containers.length === 0,
      10_000,
    );
    expect(left).toEqual({ containers: [], networks: [] });
  });
});
