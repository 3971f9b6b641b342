/**
 * `preset: '@skiff/jest'` in real jest runs: a child jest (the fixture project under
 * test/fixtures/project, on the built packages, ES modules) against a real engine, checked from outside.
 */
import { execFileSync } from 'node:child_process';
import { utimesSync } from 'node:fs';
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
const jestBin = path.join(repo, 'node_modules/jest/bin/jest.js');

interface Report {
  skiff: { sessionId: string; sessionMode: string; engineHost: string; services: string[] };
  web?: { id: string };
  worker: string;
  skiffHost?: string;
}

let engine: EngineUnderTest;
const runners: RunnerProcess[] = [];

// The child jest runs the packages as users get them: built (`npm test` builds before the suites).
beforeAll(async () => {
  engine = await startEngineUnderTest();
});

afterEach(() => {
  for (const r of runners.splice(0)) r.cleanup();
});

afterAll(async () => {
  await engine?.stop();
});

function jest(scenario: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): RunnerProcess {
  const runner = startRunner(
    [process.execPath, '--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jestBin, ...args],
    {
      cwd: project,
      env: { ...engine.env, SKIFF_SESSION_GRACE_MS: '500', SKIFF_FIXTURE_SCENARIO: scenario, ...env },
    },
  );
  runners.push(runner);
  return runner;
}

describe('@skiff/jest preset', () => {
  it('starts the services once in the parent, exposes them to test files, and removes them after the run', async () => {
    const run = jest('basic');
    const { code } = await run.exited;
    expect(run.output()).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(code, run.output()).toBe(0);
    const [report] = run.reports<Report>();
    expect(report?.skiff.engineHost).toBe(engine.host);
    expect(await engine.leftovers(report?.skiff.sessionId ?? '')).toEqual({ containers: [], networks: [] });
  });

  it('leaves no open handles: jest exits by itself under --detectOpenHandles', async () => {
    const run = jest('data', ['--detectOpenHandles']);
    const { code } = await Promise.race([
      run.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`jest did not exit:\n${run.output()}`)), 60_000),
      ),
    ]);
    expect(code, run.output()).toBe(0);
    expect(run.output()).not.toMatch(/open handle|did not exit/i);
  });

  it('gives each file its own database, named after its worker, and each worker a clean redis database', async () => {
    const run = jest('data', ['--maxWorkers=2']);
    const { code } = await run.exited;
    expect(code, run.output()).toBe(0);
    const reports = run.reports<{ db: string; cache: number; worker: string }>();
    expect(reports).toHaveLength(2);
    for (const r of reports) {
      expect(r.db).toMatch(new RegExp(`^test_j${r.worker}_[0-9a-f]{10}$`));
      expect(r.cache).toBe(((Number(r.worker) - 1) % 15) + 1);
    }
    expect(reports[0]?.db).not.toBe(reports[1]?.db);
  });

  it("fails the run with the failing container's logs, and stops the services that did start", async () => {
    const run = jest('failing');
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain('service "broken" (busybox:1.35) failed to start');
    expect(run.output()).toContain('broken-service-marker: config file missing');
    expect(await engine.engineApi.containersOfPid(run.proc.pid ?? 0)).toEqual([]);
  });

  it.each([
    ['typo', 'unknown container() option "prots". Did you mean "ports"?'],
    ['cycle', 'services depend on each other in a cycle: a → b → a'],
  ])('refuses bad declarations in the config file (%s) before anything starts', async (scenario, message) => {
    const run = jest(scenario);
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toContain(message);
    expect(await engine.engineApi.containersOfPid(run.proc.pid ?? 0)).toEqual([]);
  });

  it('leaves nothing behind when jest is SIGKILLed mid-run', async () => {
    const hold = path.join(os.tmpdir(), `skiff-runner-hold-${process.pid}`);
    execFileSync('touch', [hold]);
    try {
      const run = jest('single', [], { SKIFF_FIXTURE_HOLD: hold });
      const [report] = await run.waitForReports<Report>(1);
      const session = report?.skiff.sessionId ?? '';
      // skiffd watches the session itself (core/SESSIONS.md): no reaper process is involved.
      expect(report?.skiff.sessionMode).toBe('engine');
      expect((await engine.leftovers(session)).containers).toHaveLength(1);
      run.killGroup('SIGKILL');
      await run.exited;
      const left = await pollUntil(
        () => engine.leftovers(session),
        (l) => l.containers.length === 0,
        20_000,
      );
      expect(left).toEqual({ containers: [], networks: [] });
    } finally {
      execFileSync('rm', ['-f', hold]);
    }
  });

  it('keeps the services across watch-mode runs and removes them when jest exits', async () => {
    const run = jest('single', ['--watchAll']);
    const [first] = await run.waitForReports<Report>(1);
    const check = path.join(project, 'checks/single.check.js');
    const now = new Date();
    utimesSync(check, now, now);
    const [, second] = await run.waitForReports<Report>(2);
    expect(second?.skiff.sessionId).toBe(first?.skiff.sessionId);
    expect(second?.web?.id).toBe(first?.web?.id);
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
