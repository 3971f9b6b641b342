import { HostCommandError, HostUnsupportedError, isErrno } from '../errors.js';
import { type CommandLauncher, childProcessLauncher } from './command-launcher.js';

export interface HostCommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a host binary to completion. A non-zero exit rejects with a HostCommandError naming the
 * command line and carrying stderr, unless `allowFailure`; a missing binary is HostUnsupported.
 */
export async function runHostCommand(
  file: string,
  args: readonly string[],
  options: { input?: string; allowFailure?: boolean; launch?: CommandLauncher } = {},
): Promise<HostCommandResult> {
  const launch = options.launch ?? childProcessLauncher;
  let output: Awaited<ReturnType<CommandLauncher>>;
  try {
    output = await launch(file, args, options.input ?? '');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) {
      throw new HostUnsupportedError(`${file} is not installed; install it (Debian: iproute2, iptables)`, {
        cause: e,
      });
    }
    throw e;
  }
  const result = { stdout: output.stdout, stderr: output.stderr.trim(), exitCode: output.exitCode };
  if (result.exitCode !== 0 && !options.allowFailure) {
    const line = [file, ...args].join(' ');
    const why = output.signal ? `was killed by ${output.signal}` : `exited with ${result.exitCode}`;
    throw new HostCommandError(`${line} ${why}: ${result.stderr || '(no stderr)'}`, result.stderr);
  }
  return result;
}
