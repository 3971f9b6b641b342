import { WaitFailedError } from '../errors.js';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy, type WaitStrategy } from './wait-strategy.js';

/** A child context whose signal aborts with the parent's, or on its own `abort`. */
function childContext(
  ctx: WaitContext,
  deadlineMs: number | undefined,
): { ctx: WaitContext; abort: (r: unknown) => void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) controller.abort(ctx.signal.reason);
  else ctx.signal.addEventListener('abort', onParent, { once: true });
  return {
    ctx: { ...ctx, signal: controller.signal, deadline: ctx.deadline.narrow(deadlineMs) },
    abort: (reason) => {
      ctx.signal.removeEventListener('abort', onParent);
      controller.abort(reason);
    },
  };
}

abstract class CompositeWaitStrategy extends AbstractWaitStrategy {
  constructor(protected readonly strategies: WaitStrategy[]) {
    super();
  }

  override withPollInterval(ms: number): this {
    for (const s of this.strategies) s.withPollInterval(ms);
    return super.withPollInterval(ms);
  }

  /** testcontainers' name for the composite's overall cap. */
  withDeadline(ms: number): this {
    return this.withStartupTimeout(ms);
  }

  override lastSeen(): string | undefined {
    const parts = this.strategies
      .map((s) => [s.describe(), s.lastSeen()] as const)
      .filter(([, seen]) => seen !== undefined)
      .map(([name, seen]) => `${name}: ${seen}`);
    return parts.length > 0 ? parts.join('; ') : undefined;
  }

  protected list(): string {
    return this.strategies.map((s) => s.describe()).join(', ');
  }
}

/** Every strategy, in parallel; the first failure stops the others. */
export class AllWaitStrategy extends CompositeWaitStrategy {
  describe(): string {
    return `Wait.forAll([${this.list()}])`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const child = childContext(ctx, this.timeoutMs);
    try {
      await Promise.all(
        this.strategies.map((s) =>
          s.waitUntilReady(child.ctx).catch((err: unknown) => {
            child.abort(err);
            throw err;
          }),
        ),
      );
    } finally {
      child.abort(new Error('forAll finished'));
    }
  }
}

/** Every strategy, one after another (e.g. a port, then a log line), sharing the deadline. */
export class SequentialWaitStrategy extends CompositeWaitStrategy {
  describe(): string {
    return `Wait.forSequence([${this.list()}])`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const child = childContext(ctx, this.timeoutMs);
    try {
      for (const s of this.strategies) await s.waitUntilReady(child.ctx);
    } finally {
      child.abort(new Error('forSequence finished'));
    }
  }
}

/** The first strategy to succeed wins and the others stop; fails only when every one failed. */
export class AnyWaitStrategy extends CompositeWaitStrategy {
  describe(): string {
    return `Wait.forAny([${this.list()}])`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    const child = childContext(ctx, this.timeoutMs);
    try {
      await Promise.any(this.strategies.map((s) => s.waitUntilReady(child.ctx)));
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const reasons = err instanceof AggregateError ? err.errors : [err];
      throw new WaitFailedError(
        this.describe(),
        `every strategy failed: ${reasons.map((r) => (r instanceof Error ? r.message : String(r))).join(' | ')}`,
      );
    } finally {
      child.abort(new Error('forAny finished'));
    }
  }
}
