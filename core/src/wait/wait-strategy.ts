import { WaitTimeoutError } from '../errors.js';
import type { WaitContext } from './wait-context.js';

/**
 * Decides when a started container is ready. One class per strategy, made through `Wait`.
 * A strategy reports what it last observed (`lastSeen`) so a failed start can say why.
 */
export interface WaitStrategy {
  waitUntilReady(ctx: WaitContext): Promise<void>;
  /** Caps this strategy inside the overall startup deadline. */
  withStartupTimeout(ms: number): this;
  withPollInterval(ms: number): this;
  readonly startupTimeoutMs: number | undefined;
  /** How the strategy was built, e.g. `Wait.forLogMessage(/ready/, 2)`. */
  describe(): string;
  lastSeen(): string | undefined;
  /** True for strategies that want the container to exit (forOneShotStartup). */
  readonly expectsExit: boolean;
}

export abstract class AbstractWaitStrategy implements WaitStrategy {
  protected timeoutMs: number | undefined;
  protected pollIntervalMs: number | undefined;
  protected seen: string | undefined;
  readonly expectsExit: boolean = false;

  get startupTimeoutMs(): number | undefined {
    return this.timeoutMs;
  }

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }

  withPollInterval(ms: number): this {
    this.pollIntervalMs = ms;
    return this;
  }

  lastSeen(): string | undefined {
    return this.seen;
  }

  abstract describe(): string;
  abstract waitUntilReady(ctx: WaitContext): Promise<void>;

  protected interval(fallback = 100): number {
    return this.pollIntervalMs ?? fallback;
  }

  /** Runs `check` until it returns true, the deadline passes (WaitTimeoutError) or `ctx.signal` aborts. */
  protected async poll(
    ctx: WaitContext,
    check: () => Promise<boolean>,
    fallbackIntervalMs = 100,
  ): Promise<void> {
    const deadline = ctx.deadline.narrow(this.timeoutMs);
    for (;;) {
      ctx.signal.throwIfAborted();
      if (await check()) return;
      ctx.signal.throwIfAborted();
      const left = deadline.remainingMs();
      if (left <= 0) throw new WaitTimeoutError(this.describe(), deadline.timeoutMs, this.seen);
      await ctx.clock.sleep(Math.min(this.interval(fallbackIntervalMs), left), ctx.signal);
    }
  }
}
