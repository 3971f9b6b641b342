/** A test runner (vitest or jest) in a child process of its own group, with its output and reports. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunnerProcess {
  proc: ChildProcess;
  /** stdout and stderr so far, without colours. */
  output(): string;
  /** The JSON lines the checks appended to their report file. */
  reports<T = Record<string, unknown>>(): T[];
  waitForReports<T = Record<string, unknown>>(count: number, timeoutMs?: number): Promise<T[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the whole process group (the runner and its workers). */
  killGroup(signal: NodeJS.Signals): void;
  /** Removes the report directory (and kills the group if still running). */
  cleanup(): void;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is being removed
const ANSI = /\u001b\[[0-9;]*m/g;

export function startRunner(
  command: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): RunnerProcess {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skiff-runner-report-'));
  const reportFile = path.join(dir, 'report.jsonl');
  // The runner's own temp files (vitest keeps a dir per run there and leaves it when killed) go
  // with the report dir; the cross-process locks of @skiff/core stay where every process finds them.
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  const [file, ...args] = command;
  const proc = spawn(file ?? process.execPath, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      SKIFF_LOCK_DIR: path.join(os.tmpdir(), 'skiff-core-locks'),
      ...options.env,
      TMPDIR: tmp,
      SKIFF_FIXTURE_REPORT: reportFile,
    },
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  exited.then(() => {
    done = true;
  });
  const reports = <T>() => {
    try {
      return readFileSync(reportFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
    } catch {
      return [];
    }
  };
  const killGroup = (signal: NodeJS.Signals) => {
    if (done || !proc.pid) return;
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    proc,
    output: () => out.replace(ANSI, ''),
    reports,
    async waitForReports<T>(count: number, timeoutMs = 90_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = reports<T>();
        if (found.length >= count) return found;
        if (done)
          throw new Error(
            `the runner exited after ${found.length} of ${count} reports:\n${out.replace(ANSI, '')}`,
          );
        if (Date.now() > until)
          throw new Error(`${found.length} of ${count} reports after ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    exited,
    killGroup,
    cleanup() {
      killGroup('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true or the time is up; returns the last value it saw. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
