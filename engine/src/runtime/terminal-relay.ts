import { writeSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { ReadStream } from 'node:tty';

/** How long output may trail the process's exit when something else in the container holds the terminal. */
export const TERMINAL_DRAIN_MS = 1000;
/** Pause before retrying input the terminal had no room for (EAGAIN). */
const INPUT_RETRY_MS = 5;

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err ? String(err.code) : undefined;
}

/**
 * The engine's end of a container terminal, given its pty master (see ConsoleSocket). `output`
 * carries everything the container wrote and ends when the terminal closes: a master read fails
 * with EIO only once every slave descriptor is closed AND the kernel has handed over what was
 * written before (n_tty flushes pending input first), so nothing written before the exit is lost.
 * If something keeps the slave open after the process exited (a background child in a shared pid
 * namespace), the master is closed `drainMs` after `processExited`, which hangs the terminal up.
 *
 * `input` is what the client types. Writes made before the master arrives are held until then.
 * Ending `input` does not close the terminal (a pty has no EOF of its own; the container sees
 * ^D only if the client sends it), as with Docker.
 */
export class TerminalRelay {
  readonly output = new PassThrough();
  readonly input: Writable;
  private master: ReadStream | undefined;
  private fd = -1;
  private pendingInput: Buffer[] = [];
  private retry: NodeJS.Timeout | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly drainMs = TERMINAL_DRAIN_MS) {
    this.input = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (!this.closed) {
          this.pendingInput.push(Buffer.from(chunk));
          this.flushInput();
        }
        callback();
      },
    });
  }

  /** Starts relaying the pty master `fd`; the relay owns it from now on and closes it at the end. */
  attach(fd: number): void {
    if (this.closed || this.master) throw new Error('terminal relay already attached or closed');
    this.fd = fd;
    const master = new ReadStream(fd);
    this.master = master;
    master.on('data', (data: Buffer) => {
      // A slow reader slows the container down (its writes block on a full pty), as under Docker.
      if (this.output.write(data)) return;
      master.pause();
      this.output.once('drain', () => master.resume());
    });
    // EIO is how a pty master says "the other side is gone": the normal end of the output.
    master.on('error', () => undefined);
    master.once('close', () => this.finish());
    this.flushInput();
  }

  /** The runtime ended without sending a terminal (it failed before creating the process). */
  abandon(): void {
    if (!this.master) this.finish();
  }

  /** The container process exited: the output ends at the terminal's close, or `drainMs` from now. */
  processExited(): void {
    if (!this.master) {
      this.finish();
      return;
    }
    if (this.closed || this.drainTimer) return;
    this.drainTimer = setTimeout(() => this.master?.destroy(), this.drainMs);
    this.drainTimer.unref();
  }

  /** Closes the terminal at once (the container is being torn down). */
  destroy(): void {
    if (this.master) this.master.destroy();
    else this.finish();
  }

  /**
   * Writes held input with non-blocking writeSync on the master: no write is ever in flight on
   * the thread pool when the master closes, so input cannot reach a reused descriptor number.
   */
  private flushInput(): void {
    // A destroyed master's descriptor is already closed (its number may be reused).
    if (!this.master || this.master.destroyed || this.closed || this.retry) return;
    while (this.pendingInput.length > 0) {
      const chunk = this.pendingInput[0] as Buffer;
      let written: number;
      try {
        written = writeSync(this.fd, chunk);
      } catch (err: unknown) {
        if (errnoCode(err) === 'EAGAIN') {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.flushInput();
          }, INPUT_RETRY_MS);
          return;
        }
        // EIO: the terminal is closing; nothing typed from now on can arrive.
        this.pendingInput = [];
        return;
      }
      if (written >= chunk.length) this.pendingInput.shift();
      else this.pendingInput[0] = chunk.subarray(written);
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    clearTimeout(this.drainTimer);
    this.pendingInput = [];
    this.output.end();
  }
}
