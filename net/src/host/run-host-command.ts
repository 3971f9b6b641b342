import { spawn } from 'node:child_process';
import { HostCommandError, HostUnsupportedError, isErrno } from '../errors.js';

export interface HostCommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a host binary to completion. A non-zero exit rejects with a HostCommandError naming the
 * command line and carrying stderr, unless `allowFailure`; a missing binary is HostUnsupported.
 */
export function runHostCommand(
  file: string,
  args: readonly string[],
  options: { input?: string; allowFailure?: boolean } = {},
): Promise<HostCommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // A command that exits without reading its input closes the pipe under us: not an error.
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      if (isErrno(e, 'ENOENT')) {
        reject(
          new HostUnsupportedError(`${file} is not installed; install it (Debian: iproute2, iptables)`, {
            cause: e,
          }),
        );
      } else reject(e);
    });
    child.on('close', (code, signal) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8').trim(),
        exitCode: code ?? 128,
      };
      if (result.exitCode !== 0 && !options.allowFailure) {
        const line = [file, ...args].join(' ');
        const why = signal ? `was killed by ${signal}` : `exited with ${result.exitCode}`;
        reject(new HostCommandError(`${line} ${why}: ${result.stderr || '(no stderr)'}`, result.stderr));
        return;
      }
      resolve(result);
    });
    child.stdin.end(options.input ?? '');
  });
}
