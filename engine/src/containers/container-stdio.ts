import { PassThrough, Writable } from 'node:stream';
import { ChunkQueue } from './chunk-queue.js';
import type { OutputChunk, StdioSession } from './container-service.js';

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
  ) {}

  get hasSubscribers(): boolean {
    return this.subscribers.size > 0;
  }

  publish(chunk: OutputChunk): void {
    for (const s of this.subscribers) {
      if (chunk.stream === 'stdout' ? s.stdout : s.stderr) s.queue.push(chunk);
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
      queue: new ChunkQueue<OutputChunk>(),
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
