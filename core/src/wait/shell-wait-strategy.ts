import { execInContainer } from '../engine/containers-api.js';
import type { WaitContext } from './wait-context.js';
import { AbstractWaitStrategy } from './wait-strategy.js';

/** Runs `/bin/sh -c <command>` inside the container until it exits 0 (needs a shell in the image). */
export class ShellWaitStrategy extends AbstractWaitStrategy {
  constructor(private readonly command: string) {
    super();
  }

  describe(): string {
    return `Wait.forSuccessfulCommand(${JSON.stringify(this.command)})`;
  }

  async waitUntilReady(ctx: WaitContext): Promise<void> {
    await this.poll(ctx, async () => {
      const result = await execInContainer(ctx.client, ctx.containerId, ['/bin/sh', '-c', this.command]);
      this.seen = `exit code ${result.exitCode}: ${JSON.stringify(result.output.trim().slice(0, 200))}`;
      return result.exitCode === 0;
    });
  }
}
