import { readlink } from 'node:fs/promises';

/**
 * What the supervisor and health checks learn about and do to host processes, behind a port so
 * unit tests (with a fake runtime whose pids are made up) never read or signal real processes.
 */
export interface ProcessPort {
  /** The binary `pid` runs (`/proc/<pid>/exe`); '' when unknown. */
  exe(pid: number): Promise<string>;
  signal(pid: number, signal: number): void;
}

export const hostProcesses: ProcessPort = {
  exe: (pid) => readlink(`/proc/${pid}/exe`).catch(() => ''),
  signal: (pid, signal) => process.kill(pid, signal),
};
