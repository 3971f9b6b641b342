import { StartupTimeoutError } from '../errors.js';
import { type Clock, systemClock } from './clock.js';

/**
 * One point in time that every step of `start()` shares: pull, create, port binding and waiting
 * each take what is left, instead of each getting its own timeout (testcontainers-node #1446).
 */
export class Deadline {
  readonly at: number;
  constructor(
    readonly timeoutMs: number,
    readonly clock: Clock = systemClock,
  ) {
    this.at = clock.now() + timeoutMs;
  }

  remainingMs(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  expired(): boolean {
    return this.clock.now() >= this.at;
  }

  /** A deadline that ends at the earlier of this one and `ms` from now. */
  narrow(ms: number | undefined): Deadline {
    if (ms === undefined || ms >= this.remainingMs()) return this;
    return new Deadline(ms, this.clock);
  }

  /** Throws the startup-timeout error naming `step` when the deadline has passed. */
  check(step: string): void {
    if (this.expired()) throw new StartupTimeoutError(step, this.timeoutMs);
  }

  /** Runs `fn`, failing with a startup-timeout error naming `step` if the deadline passes first. */
  async race<T>(step: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.check(step);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new StartupTimeoutError(step, this.timeoutMs);
        controller.abort(err);
        reject(err);
      }, this.remainingMs());
    });
    try {
      return await Promise.race([fn(controller.signal), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}
