/**
 * A single-consumer async queue: producers `push` and `end`, one consumer iterates. Iteration
 * ends after the queued items once `end` was called; `end(err)` makes the consumer throw. With a
 * `weigh` function the queue keeps the total weight (bytes) of what is pushed but not consumed.
 */
export class ChunkQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private weight = 0;

  constructor(private readonly weigh?: (item: T) => number) {}

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    if (this.weigh) this.weight += this.weigh(item);
    this.wake?.();
  }

  /** The weight of the items pushed and not yet consumed (0 without a `weigh` function). */
  get pendingWeight(): number {
    return this.weight;
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

  /** Items pushed but not yet consumed. */
  get size(): number {
    return this.items.length;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let index = 0;
    for (;;) {
      if (index < this.items.length) {
        const item = this.items[index]!;
        index++;
        if (this.weigh) this.weight -= this.weigh(item);
        // Drop consumed items in batches so memory does not grow with a long stream.
        if (index >= 1024) {
          this.items = this.items.slice(index);
          index = 0;
        }
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
  }
}
