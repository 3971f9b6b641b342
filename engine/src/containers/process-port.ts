import { access, readFile, readlink } from 'node:fs/promises';

/**
 * What the supervisor and exec manager learn about and do to host processes, behind a port so
 * unit tests (with a fake runtime whose pids are made up) never read or signal real processes.
 */
export interface ProcessPort {
  /** Direct children of `pid` (`/proc/<pid>/task/<pid>/children`). */
  children(pid: number): Promise<number[]>;
  /** The binary `pid` runs (`/proc/<pid>/exe`); '' when unknown. */
  exe(pid: number): Promise<string>;
  exists(file: string): Promise<boolean>;
  signal(pid: number, signal: number): void;
}

export const hostProcesses: ProcessPort = {
  async children(pid) {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    return text
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  },
  exe: (pid) => readlink(`/proc/${pid}/exe`).catch(() => ''),
  exists: (file) =>
    access(file).then(
      () => true,
      () => false,
    ),
  signal: (pid, signal) => process.kill(pid, signal),
};
