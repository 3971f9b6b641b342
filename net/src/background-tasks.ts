import type { Logger } from 'pino';
import { errorMessage } from './errors.js';

/**
 * Work kept off the request path (tearing down a namespace's veths, deleting a bridge: 25–45 ms of
 * kernel time each) but never forgotten: `settle()` waits for all of it, and `close()` calls it.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(what: string, task: () => Promise<void>): Promise<void> {
    const promise = task()
      .catch((err: unknown) =>
        this.logger.warn({ err: errorMessage(err), task: what }, 'background cleanup failed'),
      )
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
    return promise;
  }

  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
