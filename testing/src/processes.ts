/** Whether a process exists (signal 0): for checks that a daemon or child went away. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
