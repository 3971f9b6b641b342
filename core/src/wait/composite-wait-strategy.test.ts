import { describe, expect, it } from 'vitest';
import { BoundPorts } from '../container/bound-ports.js';
import type { EngineClient } from '../engine/engine-client.js';
import { silentLogger } from '../logger.js';
import { systemClock } from '../util/clock.js';
import { Deadline } from '../util/deadline.js';
import { AllWaitStrategy, AnyWaitStrategy, SequentialWaitStrategy } from './composite-wait-strategy.js';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

/** A strategy that succeeds after `ms`, or fails, and records what happened to it. */
class Timed extends AbstractWaitStrategy {
  events: string[] = [];
  constructor(
    private readonly name: string,
    private readonly ms: number,
    private readonly fail = false,
  ) {
    super();
  }
  describe() {
    return this.name;
  }
  async waitUntilReady(ctx: WaitContext) {
    this.events.push('start');
    try {
      await ctx.clock.sleep(this.ms, ctx.signal);
    } catch (err) {
      this.events.push('aborted');
      throw err;
    }
    if (this.fail) throw new Error(`${this.name} failed`);
    this.events.push('done');
  }
}

function ctx(timeoutMs = 5_000): WaitContext {
  return {
    client: {} as EngineClient,
    containerId: 'c',
    host: '127.0.0.1',
    boundPorts: new BoundPorts([]),
    deadline: new Deadline(timeoutMs),
    startedAt: new Date(0),
    signal: new AbortController().signal,
    clock: systemClock,
    logger: silentLogger(),
  };
}

describe('composite wait strategies', () => {
  it('forAll stops the others at the first failure', async () => {
    const slow = new Timed('slow', 2_000);
    const bad = new Timed('bad', 10, true);
    await expect(new AllWaitStrategy([slow, bad]).waitUntilReady(ctx())).rejects.toThrow('bad failed');
    expect(slow.events).toEqual(['start', 'aborted']);
  });

  it('forSequence runs one after another', async () => {
    const a = new Timed('a', 20);
    const b = new Timed('b', 1);
    const order: string[] = [];
    a.events = new Proxy(a.events, {
      get: (t, p) => (p === 'push' ? (e: string) => order.push(`a:${e}`) : Reflect.get(t, p)),
    });
    b.events = new Proxy(b.events, {
      get: (t, p) => (p === 'push' ? (e: string) => order.push(`b:${e}`) : Reflect.get(t, p)),
    });
    await new SequentialWaitStrategy([a, b]).waitUntilReady(ctx());
    expect(order).toEqual(['a:start', 'a:done', 'b:start', 'b:done']);
  });

  it('forAny succeeds with the first and stops the rest; fails only when all fail', async () => {
    const slow = new Timed('slow', 2_000);
    await new AnyWaitStrategy([slow, new Timed('fast', 5)]).waitUntilReady(ctx());
    expect(slow.events).toEqual(['start', 'aborted']);
    await expect(
      new AnyWaitStrategy([new Timed('x', 1, true), new Timed('y', 1, true)]).waitUntilReady(ctx()),
    ).rejects.toThrow(/every strategy failed: x failed \| y failed/);
  });

  it('passes the poll interval down and reports what every child saw', () => {
    const a = new Timed('a', 1);
    const all = new AllWaitStrategy([a]).withPollInterval(7);
    expect((a as unknown as { pollIntervalMs: number }).pollIntervalMs).toBe(7);
    expect(all.describe()).toBe('Wait.forAll([a])');
  });
});
