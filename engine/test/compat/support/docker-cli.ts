import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import type { SkiffdHarness } from '@skiff/testing';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Whether the docker CLI (client only on these machines) is installed. */
export const hasDocker = (() => {
  try {
    execFileSync('docker', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The docker CLI's environment for one engine: `DOCKER_HOST` at its socket, a private
 * `DOCKER_CONFIG` (logins never touch the user's), the classic builder (no buildx here).
 */
export function dockerEnv(h: SkiffdHarness, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: `unix://${h.socketPath}`,
    DOCKER_CONFIG: path.join(h.base, 'docker-config'),
    DOCKER_BUILDKIT: '0',
    ...extra,
  };
}

/** Runs the real `docker` CLI against the harness's skiffd. */
export function docker(
  h: SkiffdHarness,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'docker',
      args,
      {
        env: dockerEnv(h, options.env),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        cwd: options.cwd ?? h.base,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input);
  });
}

/** A docker command under a pseudo-terminal (`script -qec`), for `-t`; `script -e` returns its exit code. */
export function dockerTty(
  h: SkiffdHarness,
  command: string,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { env: dockerEnv(h), timeout: options.timeoutMs ?? 60_000, cwd: h.base },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    // What is typed at the terminal: script copies its stdin to the pseudo-terminal.
    child.stdin?.end(options.input);
  });
}
