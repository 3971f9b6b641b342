import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';

/** `<stateDir>/skiffd.pid`: written after the socket is up, removed on a clean shutdown. */
export class PidFile {
  constructor(readonly path: string) {}

  async write(pid = process.pid): Promise<void> {
    await writeFileAtomic(this.path, `${pid}\n`, { mode: 0o644 });
  }

  async read(): Promise<number | undefined> {
    const text = await readFile(this.path, 'utf8').catch(() => undefined);
    const pid = Number(text?.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** Removes the file only if it still names this process (a successor may have replaced it). */
  async remove(pid = process.pid): Promise<void> {
    if ((await this.read()) === pid) await rm(this.path, { force: true });
  }
}
