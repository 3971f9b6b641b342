export interface ChunkQueueOptions<T> {
  /** The weight (bytes) of an item: the queue then keeps `pendingWeight`. */
  weigh?: (item: T) => number;
  /** Called after the consumer took an item, and once when it stops iterating (see below). */
  onConsumed?: () => void;
}

/**
 * A single-consumer async queue: producers `push` and `end`, one consumer iterates. Iteration
 * ends after the queued items once `end` was called; `end(err)` makes the consumer throw. With a
 * `weigh` function the queue keeps the total weight of what is pushed but not consumed, so a
 * producer can pause while it is high and resume from `onConsumed`. A consumer that stops
 * iterating early abandons the queue: what is queued is dropped, later pushes are ignored, and
 * `onConsumed` is called so a paused producer resumes instead of waiting for ever.
 */
export class ChunkQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private ended = false;
  private abandoned = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private weight = 0;

  constructor(private readonly options: ChunkQueueOptions<T> = {}) {}

  push(item: T): void {
    if (this.ended || this.abandoned) return;
    this.items.push(item);
    if (this.options.weigh) this.weight += this.options.weigh(item);
    this.wake?.();
  }

  end(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.wake?.();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** True once the consumer stopped iterating: nothing pushed is read any more. */
  get isAbandoned(): boolean {
    return this.abandoned;
  }

  /** Items pushed but not yet consumed. */
  get size(): number {
    return this.items.length;
  }

  /** The weight of the items pushed and not yet consumed (0 without a `weigh` function). */
  get pendingWeight(): number {
    return this.weight;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let index = 0;
    try {
      for (;;) {
        if (index < this.items.length) {
          const item = this.items[index]!;
          index++;
          if (this.options.weigh) this.weight -= this.options.weigh(item);
          // Drop consumed items in batches so memory does not grow with a long stream.
          if (index >= 1024) {
            this.items = this.items.slice(index);
            index = 0;
          }
          this.options.onConsumed?.();
          yield item;
          continue;
        }
        this.items = [];
        index = 0;
        if (this.ended) {
          if (this.error) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    } finally {
      if (!this.ended || index < this.items.length) {
        this.abandoned = true;
        this.items = [];
        this.weight = 0;
        this.options.onConsumed?.();
      }
    }
  }
}
