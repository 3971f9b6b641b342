import { inspectContainer } from '../engine/containers-api.js';
import { WaitFailedError } from '../errors.js';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

/** Waits for the container's health check to report `healthy`; `unhealthy` fails at once. */
export class HealthCheckWaitStrategy extends AbstractWaitStrategy {
  describe(): string {
    return 'Wait.forHealthCheck()';
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    await this.poll(ctx, async () => {
      const inspect = await inspectContainer(ctx.client, ctx.containerId, ctx.signal);
      const health = inspect.State.Health;
      if (!health) {
        throw new WaitFailedError(
          this.describe(),
          'the container has no health check (add one with withHealthCheck())',
        );
      }
      const last = health.Log?.at(-1);
      this.seen = `health ${health.Status}${last ? `; last check exited ${last.ExitCode}: ${JSON.stringify(last.Output.trim().slice(0, 200))}` : ''}`;
      if (health.Status === 'unhealthy') throw new WaitFailedError(this.describe(), this.seen);
      return health.Status === 'healthy';
    });
  }
}
