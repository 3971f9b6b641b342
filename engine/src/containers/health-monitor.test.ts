import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import type { HealthState } from './container-record.js';
import { HEALTH_MAX_OUTPUT, HealthMonitor, type ProbeResult, probeCommand } from './health-monitor.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function monitor(results: ProbeResult[]) {
  const updates: { health: HealthState; changed: boolean }[] = [];
  const commands: string[][] = [];
  const m = new HealthMonitor({
    runProbe: async (_id, cmd) => {
      commands.push(cmd);
      return results.shift() ?? { exitCode: 0, output: '' };
    },
    onUpdate: (_id, health, changed) => updates.push({ health, changed }),
    logger: silentLogger(),
    now: () => new Date(Date.now()),
  });
  return { m, updates, commands };
}

describe('HealthMonitor', () => {
  it('maps CMD and CMD-SHELL tests to commands and ignores NONE', () => {
    expect(probeCommand(['CMD', 'curl', '-f', 'x'])).toEqual(['curl', '-f', 'x']);
    expect(probeCommand(['CMD-SHELL', 'test -f /ok'])).toEqual(['/bin/sh', '-c', 'test -f /ok']);
    expect(probeCommand(['NONE'])).toBeUndefined();
  });

  it('goes unhealthy after `retries` consecutive failures and healthy on one success', async () => {
    const fail = { exitCode: 1, output: 'no' };
    const { m, updates } = monitor([fail, fail, { exitCode: 0, output: 'yes' }]);
    expect(m.start('c', { Test: ['CMD', 'x'], Interval: 1e9, Retries: 2 })?.status).toBe('starting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(updates.at(-1)?.health).toMatchObject({ status: 'starting', failingStreak: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(updates.at(-1)).toMatchObject({
      changed: true,
      health: { status: 'unhealthy', failingStreak: 2 },
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(updates.at(-1)).toMatchObject({ changed: true, health: { status: 'healthy', failingStreak: 0 } });
    m.stopAll();
  });

  it('does not count failures in the start period, probing at the start interval meanwhile', async () => {
    const fail = { exitCode: 1, output: '' };
    const { m, updates } = monitor([fail, fail, fail, fail]);
    m.start('c', { Test: ['CMD', 'x'], Interval: 10e9, StartPeriod: 3e9, StartInterval: 1e9, Retries: 1 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(updates).toHaveLength(2);
    expect(updates.every((u) => u.health.status === 'starting' && u.health.failingStreak === 0)).toBe(true);
    await vi.advanceTimersByTimeAsync(1000 + 10_000);
    expect(updates.at(-1)?.health.status).toBe('unhealthy');
    m.stopAll();
  });

  it('keeps five results with output capped at 4096 bytes; defaults to 30 s intervals', async () => {
    const { m, updates } = monitor(
      Array.from({ length: 7 }, () => ({ exitCode: 0, output: 'x'.repeat(10_000) })),
    );
    m.start('c', { Test: ['CMD', 'x'] });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(updates).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(6 * 30_000 + 1);
    const last = updates.at(-1)!.health;
    expect(last.log).toHaveLength(5);
    expect(last.log[0]!.output).toHaveLength(HEALTH_MAX_OUTPUT);
    m.stop('c');
  });
});
