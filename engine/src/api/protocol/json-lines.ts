import type { Writable } from 'node:stream';
import { errorMessage } from '../../errors.js';
import type { ProgressMessage } from '../../images/image-service.js';
import type { HttpExchange } from '../http-exchange.js';

/**
 * A JSON-lines progress response (pull, push, import, load), started lazily: until the first
 * message, a failure can still be an HTTP error status; after it, failures go in-band as
 * `{"errorDetail":{"message":…},"error":…}`, which the docker CLI turns into its exit status.
 * Lines end with `\r\n` as moby writes them.
 */
export class JsonLinesResponse {
  private out: Writable | undefined;

  constructor(private readonly ex: HttpExchange) {}

  get started(): boolean {
    return this.out !== undefined;
  }

  write(message: ProgressMessage | Record<string, unknown>): void {
    this.out ??= this.ex.stream(200, 'application/json');
    if (!this.out.destroyed) this.out.write(`${JSON.stringify(message)}\r\n`);
  }

  /** Reports `err` in-band; call only when `started`, otherwise let the error become the status. */
  fail(err: unknown): void {
    const message = errorMessage(err);
    this.write({ errorDetail: { message }, error: message });
  }

  end(): void {
    this.out ??= this.ex.stream(200, 'application/json');
    this.out.end();
  }
}
