import { inspectContainer } from '../engine/containers-api.js';
import { WaitFailedError } from '../errors.js';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

/** For containers that run a task and exit: ready when the container has exited with code 0. */
export class OneShotStartupWaitStrategy extends AbstractWaitStrategy {
  override readonly expectsExit = true;

  describe(): string {
    return 'Wait.forOneShotStartup()';
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    await this.poll(ctx, async () => {
      const { State } = await inspectContainer(ctx.client, ctx.containerId, ctx.signal);
      this.seen = `status ${State.Status}${State.Running ? '' : `, exit code ${State.ExitCode}`}`;
      if (State.Running || State.Status === 'created' || State.Status === 'restarting') return false;
      if (State.ExitCode !== 0)
        throw new WaitFailedError(this.describe(), `the container exited with code ${State.ExitCode}`);
      return true;
    });
  }
}
