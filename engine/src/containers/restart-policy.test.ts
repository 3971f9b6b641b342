import { describe, expect, it } from 'vitest';
import { parseRestartPolicy, RESTART_MAX_DELAY_MS, RestartBackoff, shouldRestart } from './restart-policy.js';

const facts = { exitCode: 1, restartCount: 0, manuallyStopped: false, ranForMs: 50 };

describe('restart policy', () => {
  it('parses the CLI forms and rejects the rest', () => {
    expect(parseRestartPolicy('no')).toEqual({ name: 'no', maximumRetryCount: 0 });
    expect(parseRestartPolicy('on-failure:3')).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
    expect(parseRestartPolicy('unless-stopped')).toEqual({ name: 'unless-stopped', maximumRetryCount: 0 });
    expect(() => parseRestartPolicy('always:2')).toThrow(/maximum retry count/);
    expect(() => parseRestartPolicy('sometimes')).toThrow(/invalid restart policy/);
  });

  it('restarts on-failure only for non-zero exits and within the retry count', () => {
    const policy = { name: 'on-failure' as const, maximumRetryCount: 2 };
    expect(shouldRestart(policy, facts)).toBe(true);
    expect(shouldRestart(policy, { ...facts, exitCode: 0 })).toBe(false);
    expect(shouldRestart(policy, { ...facts, restartCount: 2 })).toBe(false);
    expect(shouldRestart({ ...policy, maximumRetryCount: 0 }, { ...facts, restartCount: 99 })).toBe(true);
  });

  it('never restarts what the user stopped', () => {
    expect(shouldRestart({ name: 'always', maximumRetryCount: 0 }, { ...facts, manuallyStopped: true })).toBe(
      false,
    );
    expect(shouldRestart({ name: 'no', maximumRetryCount: 0 }, facts)).toBe(false);
  });

  it('doubles the delay from 100 ms up to a minute and resets after a long run', () => {
    const backoff = new RestartBackoff();
    const always = { name: 'always' as const, maximumRetryCount: 0 };
    const delays = Array.from({ length: 12 }, () => backoff.decide(always, facts).delayMs);
    expect(delays.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(delays.at(-1)).toBe(RESTART_MAX_DELAY_MS);
    expect(backoff.decide(always, { ...facts, ranForMs: 10_000 }).delayMs).toBe(100);
  });
});
