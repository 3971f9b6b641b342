import { readFile } from 'node:fs/promises';
import type { RuntimeStarted } from './oci-runtime.js';

/** Pauses between polls: short while a container usually starts, longer for a slow one. */
const POLL_DELAYS_MS = [1, 1, 2, 2, 4, 4, 8, 16, 32];
const MAX_POLL_DELAY_MS = 50;

async function readPid(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/**
 * Learns that a runtime call started its process from the `--pid-file` the runtime writes once it
 * has: crun writes it after the container's state file, when the init has finished its set-up
 * (`run`) or the exec'd process exists (`exec`); runc after `start`. Polled with growing pauses
 * so the engine does not compete with the runtime for the CPU while the container starts.
 *
 * `started` settles with the pid, or with `undefined` when `finish` finds no pid file (the
 * runtime ended before starting anything). Call `finish` once the runtime process has exited
 * and before the file is removed: it reads the file a last time, for a process that ran for
 * less than one poll.
 */
export class PidFileWatch {
  readonly started: Promise<RuntimeStarted | undefined>;
  private settle!: (started: RuntimeStarted | undefined) => void;
  private settled = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly file: string) {
    this.started = new Promise((resolve) => {
      this.settle = resolve;
    });
    void this.poll();
  }

  async finish(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    if (this.settled) return;
    const pid = await readPid(this.file);
    this.resolve(pid > 0 ? { pid } : undefined);
  }

  private async poll(): Promise<void> {
    for (let attempt = 0; !this.stopped && !this.settled; attempt++) {
      const pid = await readPid(this.file);
      if (pid > 0) {
        this.resolve({ pid });
        return;
      }
      const delay = POLL_DELAYS_MS[attempt] ?? MAX_POLL_DELAY_MS;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
    }
  }

  private resolve(started: RuntimeStarted | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(started);
  }
}
