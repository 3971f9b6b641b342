import { readFileSync } from 'node:fs';
import { isErrno } from '../errors.js';

/**
 * A process named by pid and start time (clock ticks since boot, field 22 of /proc/<pid>/stat), so
 * a reused pid is not mistaken for the process that wrote a lock or a record.
 */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

export function readStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ESRCH')) return undefined;
    throw err;
  }
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, startTime: readStartTime(process.pid) ?? 0 };
}

export function isAlive(owner: ProcessIdentity): boolean {
  const start = readStartTime(owner.pid);
  return start !== undefined && (owner.startTime === 0 || start === owner.startTime);
}
