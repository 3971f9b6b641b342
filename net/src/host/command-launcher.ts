import { spawn } from 'node:child_process';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  /** The exit status; 128 + n when signal n ended the process. */
  exitCode: number;
  /** The signal that ended it, if one did. */
  signal: string | null;
}

/**
 * Runs a host binary to completion with `input` on its stdin. Rejects only when the binary could
 * not be started at all, with the errno's `code` (`ENOENT` when it is missing); a non-zero exit
 * resolves. The default forks the engine through child_process; an engine with a cheaper way to
 * start processes passes its own (`LinuxNetworkManagerOptions.launchCommand`).
 */
export type CommandLauncher = (
  file: string,
  args: readonly string[],
  input: string,
) => Promise<CommandOutput>;

export const childProcessLauncher: CommandLauncher = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // A command that exits without reading its input closes the pipe under us: not an error.
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? 128,
        signal,
      });
    });
    child.stdin.end(input);
  });
