import { constants } from 'node:os';
import type { ExitStatus } from './oci-runtime.js';

/** One line of crun's or runc's `--log-format json` log. */
export interface RuntimeLogEntry {
  level: string;
  msg: string;
}

/**
 * The entries of a runtime log. crun and runc write their own words as JSON (`--log-format json`);
 * anything else in the file is not theirs to classify: crun 1.8 dumps the terminal output it had
 * not relayed into its log raw (a TTY process's own words, or the copy of an error it printed on
 * the terminal). Such lines get the level `output` and never count as a runtime error.
 */
export function parseRuntimeLog(text: string): RuntimeLogEntry[] {
  const entries: RuntimeLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed) {
      const entry = parsed as { msg: unknown; level?: unknown };
      entries.push({ level: String(entry.level ?? 'info'), msg: String(entry.msg) });
    } else {
      entries.push({ level: 'output', msg: line.trim() });
    }
  }
  return entries;
}

const ERROR_LEVELS = new Set(['error', 'fatal', 'panic']);

export function runtimeErrors(entries: readonly RuntimeLogEntry[]): string[] {
  return entries.filter((e) => ERROR_LEVELS.has(e.level)).map((e) => e.msg);
}

/**
 * Docker's exit codes for a process that never ran (moby translateContainerdStartErr):
 * 127 when the executable is missing, 126 when it cannot be executed, 128 for anything else.
 */
export function startFailureExitCode(message: string): number {
  const m = message.toLowerCase();
  if (m.includes('executable file not found') || m.includes('no such file or directory')) return 127;
  if (
    m.includes('permission denied') ||
    m.includes('operation not permitted') ||
    m.includes('exec format error')
  ) {
    return 126;
  }
  if (m.includes('not a directory')) return 127;
  return 128;
}

export function signalNumber(signal: NodeJS.Signals | number): number {
  return typeof signal === 'number' ? signal : (constants.signals[signal] ?? 0);
}

export function signalName(signo: number): NodeJS.Signals | undefined {
  const entry = Object.entries(constants.signals).find(([, n]) => n === signo);
  return entry?.[0] as NodeJS.Signals | undefined;
}

/**
 * Maps how the runtime process ended to the container's exit status. The runtime exits with the
 * container's status (128+N for signal N); when it could not start the process at all it exits
 * with 1 (`run`) or 255 (`exec`) and logs an error, which becomes Docker's 127/126/128.
 */
export function exitStatusOf(
  kind: 'run' | 'exec',
  code: number | null,
  signal: NodeJS.Signals | number | null,
  logErrors: readonly string[],
): ExitStatus {
  const failureCode = kind === 'run' ? 1 : 255;
  if (code === failureCode && logErrors.length > 0) {
    const error = logErrors.join('; ');
    return { exitCode: startFailureExitCode(error), error };
  }
  if (code !== null) {
    const status: ExitStatus = { exitCode: code };
    if (code > 128 && code < 128 + 65) {
      const name = signalName(code - 128);
      if (name) status.signal = name;
    }
    return status;
  }
  const signo = signal === null ? 0 : signalNumber(signal);
  const status: ExitStatus = { exitCode: 128 + signo };
  const name = signalName(signo);
  if (name) status.signal = name;
  return status;
}
