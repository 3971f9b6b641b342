import { open, readFile, rm } from 'node:fs/promises';
import { isErrno, LockTimeoutError } from '../errors.js';
import { currentProcess, isAlive } from './process-identity.js';

/**
 * A lock shared by processes on one machine and by callers inside this process.
 *
 * Across processes: the lock file is created with O_EXCL (atomic on a local filesystem; Node has
 * no flock) and holds `pid startTime` of the owner. A lock whose owner is gone — crashed or
 * SIGKILLed — is stale and taken over. Inside the process, callers queue on a promise chain so they
 * never poll against their own lock file.
 */
export class FileLock {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: { timeoutMs?: number; pollMs?: number } = {},
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await rm(this.path, { force: true });
      }
    } finally {
      release();
    }
  }

  private async acquire(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const pollMs = this.options.pollMs ?? 5;
    const deadline = Date.now() + timeoutMs;
    while (!(await this.tryAcquire())) {
      if (Date.now() >= deadline) {
        const holder = await readFile(this.path, 'utf8').catch(() => '?');
        throw new LockTimeoutError(
          `timed out after ${timeoutMs} ms waiting for lock ${this.path} held by pid ${holder.split(' ')[0]}; if that process is stuck, stop it`,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async tryAcquire(): Promise<boolean> {
    const me = currentProcess();
    try {
      const fh = await open(this.path, 'wx', 0o600);
      try {
        await fh.writeFile(`${me.pid} ${me.startTime}\n`);
      } finally {
        await fh.close();
      }
      return true;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    // An empty file means its owner is between open and write: treat it as live.
    const [pid, start] = text.trim().split(' ').map(Number);
    if (!pid || !Number.isInteger(pid)) return false;
    if (isAlive({ pid, startTime: start ?? 0 })) return false;
    // Stale: the owner died holding it. Remove only if the file still names that owner.
    const again = await readFile(this.path, 'utf8').catch(() => '');
    if (again === text) await rm(this.path, { force: true });
    return false;
  }
}
