import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRuntime, GenericContainer } from '@skiff/core';
import { BUSYBOX, EngineApi, isAlive, provideBusybox } from '@skiff/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../src/engine/engine-client.js';
import { resolveSkiffd } from '../src/engine/on-demand-engine.js';
import { silentLogger } from '../src/logger.js';

// A skiffd of its own, started by discovery itself: private socket, root and scratch, never the defaults.
const skiffd = resolveSkiffd();
const dir = mkdtempSync(path.join('/dev/shm', 'skiff-core-ondemand-'));
const socket = path.join(dir, 'skiff.sock');
const started: number[] = [];

afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone: it exited when idle
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf('missing' in skiffd)('skiffd started on demand', () => {
  it('starts skiffd when none answers, runs containers on it, and explains that it did', async () => {
    const options = {
      env: { PATH: process.env.PATH },
      defaultSkiffSocket: socket,
      onDemand: {
        logFile: path.join(dir, 'skiffd.log'),
        env: {
          SKIFF_ROOT: path.join(dir, 'root'),
          SKIFF_SCRATCH: path.join(dir, 'scratch'),
          SKIFF_ENGINE_NAME: `ondemand-${process.pid}`,
          SKIFF_LOG_LEVEL: 'warn',
        },
      },
      sessionGraceMs: 500,
      handleSignals: false,
    };
    const runtime = await createRuntime(options);
    const pid = runtime.explanation.onDemandPid ?? 0;
    started.push(pid);
    expect(runtime.explanation).toMatchObject({ kind: 'skiff', source: 'on-demand', startedOnDemand: true });
    expect(runtime.explanation.steps.join('\n')).toMatch(
      /skiffd default socket .*skiff\.sock[\s\S]*started .*skiffd/,
    );
    expect(isAlive(pid)).toBe(true);

    const client = new EngineClient(
      { kind: 'unix', socketPath: socket },
      runtime.client.apiVersion,
      silentLogger(),
    );
    const sessionsAdvertised =
      (await EngineClient.ping({ kind: 'unix', socketPath: socket }))['skiff-sessions'] === '1';
    try {
      await provideBusybox(new EngineApi(socket));
      await using c = await new GenericContainer(BUSYBOX)
        .withRuntime(runtime)
        .withCommand(['sleep', '300'])
        .start();
      expect((await c.exec(['echo', 'on demand'])).stdout).toBe('on demand\n');

      // A second runtime finds the running engine instead of starting another.
      const second = await createRuntime(options);
      expect(second.explanation.source).toBe('default-socket');
      await second.close();
    } finally {
      await client.close();
      await runtime.close();
    }
    // SESSIONS.md: an engine started with SKIFF_EXIT_WHEN_IDLE=1 exits once its last session is gone.
    if (sessionsAdvertised) await expect.poll(() => isAlive(pid), { timeout: 15_000 }).toBe(false);
  });
});
