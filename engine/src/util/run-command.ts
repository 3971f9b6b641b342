import { spawn } from 'node:child_process';
import { RuntimeError } from '../errors.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunCommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

/**
 * Runs a host binary to completion and collects its output. A non-zero exit rejects with a
 * RuntimeError carrying the command line and stderr, unless `allowFailure`.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) =>
      reject(
        new RuntimeError(`cannot run ${file}: ${e.message}; is it installed and on PATH?`, { cause: e }),
      ),
    );
    child.on('close', (code, signal) => {
      const result: CommandResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 1),
      };
      if (result.exitCode !== 0 && !options.allowFailure) {
        const why =
          result.stderr.trim() ||
          result.stdout.trim() ||
          (signal ? `killed by ${signal}` : `exit code ${code}`);
        reject(new RuntimeError(`${file} ${args.join(' ')} failed: ${why}`));
        return;
      }
      resolve(result);
    });
    if (options.input !== undefined && child.stdin) child.stdin.end(options.input);
  });
}
