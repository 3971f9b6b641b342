import { removeNetwork } from '../engine/networks-api.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';

/** A created network. `stop()` removes it (idempotent); `await using` does the same. */
export class StartedNetwork {
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly runtime: SkiffRuntime,
    private readonly id: string,
    private readonly name: string,
  ) {}

  getId(): string {
    return this.id;
  }

  getName(): string {
    return this.name;
  }

  stop(): Promise<void> {
    this.stopped ??= removeNetwork(this.runtime.client, this.id);
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
