import { PassThrough, Writable } from 'node:stream';
import { ChunkQueue } from './chunk-queue.js';
import type { OutputChunk, StdioSession } from './container-service.js';

/**
 * Output an attached client may leave unread before it is cut off. Docker blocks the container
 * behind a slow client; here the container runs on, its log keeps everything, and the client
 * that stopped reading is detached with an error instead of growing the engine's memory.
 */
export const DEFAULT_ATTACH_BACKLOG_BYTES = 64 * 1024 * 1024;

interface Subscriber {
  queue: ChunkQueue<OutputChunk>;
  stdout: boolean;
  stderr: boolean;
}

/**
 * The live stdio of one container across its runs, from create to removal. Attach sessions
 * subscribe here, possibly before the container starts, so nothing printed right after start is
 * missed; each run's supervisor publishes output and ends the subscriptions at exit. Stdin that
 * sessions write before a run starts is buffered and delivered when it does (`OpenStdin`).
 */
export class ContainerStdio {
  private readonly subscribers = new Set<Subscriber>();
  private stdinPipe: PassThrough | undefined;
  private stdinClosed = false;

  constructor(
    readonly tty: boolean,
    private readonly stdinOnce: boolean,
    private readonly backlogBytes = DEFAULT_ATTACH_BACKLOG_BYTES,
  ) {}

  get hasSubscribers(): boolean {
    return this.subscribers.size > 0;
  }

  publish(chunk: OutputChunk): void {
    for (const s of this.subscribers) {
      if (!(chunk.stream === 'stdout' ? s.stdout : s.stderr)) continue;
      if (s.queue.pendingWeight + chunk.data.length > this.backlogBytes) {
        this.subscribers.delete(s);
        s.queue.end(
          new Error(
            `attached client too slow: more than ${this.backlogBytes} bytes of output unread; detached (the container runs on and its log keeps the output)`,
          ),
        );
        continue;
      }
      s.queue.push(chunk);
    }
  }

  /** The run ended: live sessions see the end of their output. */
  endRun(): void {
    for (const s of this.subscribers) s.queue.end();
    this.subscribers.clear();
    this.stdinPipe?.end();
    this.stdinPipe = undefined;
    this.stdinClosed = false;
  }

  /** The stream a run should read its stdin from (created on demand; one per run). */
  stdinForRun(): PassThrough {
    this.stdinPipe ??= new PassThrough();
    if (this.stdinClosed) this.stdinPipe.end();
    return this.stdinPipe;
  }

  /**
   * A new session. `replay` is emitted first (the `logs=1` history); live output follows when
   * `stream`. Ending the session's stdin closes the container's stdin only with `StdinOnce`.
   */
  attach(options: {
    stdin: boolean;
    stdout: boolean;
    stderr: boolean;
    stream: boolean;
    replay?: AsyncIterable<OutputChunk>;
  }): StdioSession {
    const live: Subscriber = {
      queue: new ChunkQueue<OutputChunk>({ weigh: (c) => c.data.length }),
      stdout: options.stdout,
      stderr: options.stderr,
    };
    if (options.stream) this.subscribers.add(live);
    else live.queue.end();
    let detached = false;
    const detach = () => {
      detached = true;
      this.subscribers.delete(live);
      live.queue.end();
    };
    const replay = options.replay;
    const output: AsyncIterable<OutputChunk> = {
      [Symbol.asyncIterator]: async function* () {
        if (replay) {
          for await (const chunk of replay) {
            if (detached) return;
            yield chunk;
          }
        }
        yield* live.queue;
      },
    };
    let stdin: Writable | null = null;
    if (options.stdin) {
      stdin = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          const pipe = this.stdinForRun();
          if (pipe.writableEnded) return cb();
          if (pipe.write(chunk)) cb();
          else pipe.once('drain', () => cb());
        },
        final: (cb) => {
          if (this.stdinOnce) {
            this.stdinClosed = true;
            this.stdinPipe?.end();
          }
          cb();
        },
      });
    }
    return { stdin, output, tty: this.tty, detach };
  }
}
