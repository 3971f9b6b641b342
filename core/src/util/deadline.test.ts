import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { Deadline } from './deadline.js';

function fakeClock(start = 1_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('Deadline', () => {
  it('counts down from one point for every step', () => {
    const clock = fakeClock();
    const d = new Deadline(1_000, clock);
    clock.advance(400);
    expect(d.remainingMs()).toBe(600);
    clock.advance(700);
    expect(d.expired()).toBe(true);
    expect(() => d.check('waiting for port bindings')).toThrow(
      /1000 ms passed during waiting for port bindings/,
    );
  });

  it('narrows to a shorter per-step cap but never extends', () => {
    const clock = fakeClock();
    const d = new Deadline(1_000, clock);
    expect(d.narrow(300).remainingMs()).toBe(300);
    expect(d.narrow(5_000)).toBe(d);
    expect(d.narrow(undefined)).toBe(d);
  });

  it('aborts a step that outlives it', async () => {
    const d = new Deadline(50);
    let aborted = false;
    const err = await d
      .race('pulling x', (signal) => {
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        return new Promise(() => undefined);
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SKIFF_STARTUP_TIMEOUT' });
    expect(aborted).toBe(true);
  });
});
