import { StartedGenericContainer, type StopOptions } from './started-container.js';
import type { StoppedGenericContainer } from './stopped-container.js';

/**
 * Base of the typed handles modules return (testcontainers' `AbstractStartedContainer`). It takes
 * the started container over — it *is* a `StartedGenericContainer`, so a module's `start()` can
 * narrow the return type — and adds `containerStopping()` / `containerStopped()`, which `stop()`
 * calls around the real stop. The container passed in should not be used afterwards.
 */
export abstract class AbstractStartedContainer extends StartedGenericContainer {
  private stopping: Promise<StoppedGenericContainer> | undefined;

  constructor(startedContainer: StartedGenericContainer) {
    super(...StartedGenericContainer.partsOf(startedContainer));
  }

  protected async containerStopping(): Promise<void> {}
  protected async containerStopped(): Promise<void> {}

  /** Idempotent: later calls return the first call's result. */
  override stop(options: StopOptions = {}): Promise<StoppedGenericContainer> {
    this.stopping ??= (async () => {
      await this.containerStopping();
      const stopped = await super.stop(options);
      await this.containerStopped();
      return stopped;
    })();
    return this.stopping;
  }
}
