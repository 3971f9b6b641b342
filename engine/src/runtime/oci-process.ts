import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { OciProcess } from './oci-spec-types.js';
import type { ResolvedUser } from './user-resolver.js';

/** The size of a container's terminal until the client says otherwise (a VT100's). */
export const DEFAULT_CONSOLE_SIZE = { rows: 24, cols: 80 };

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const keyOf = (entry: string) => {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
};

/** Later entries replace earlier ones with the same key, in place (moby ReplaceOrAppendEnvValues). */
export function mergeEnv(...lists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  const index = new Map<string, number>();
  for (const list of lists) {
    for (const entry of list) {
      const key = keyOf(entry);
      if (key.length === 0)
        throw new InvalidArgumentError(`invalid environment variable ${JSON.stringify(entry)}`);
      const at = index.get(key);
      if (at === undefined) {
        index.set(key, out.length);
        out.push(entry);
      } else out[at] = entry;
    }
  }
  return out;
}

/**
 * A container's environment as Docker builds it: PATH (when the image sets none), HOSTNAME, TERM
 * for TTYs, then the container's own Env; HOME from the user's passwd entry when still missing.
 */
export function containerEnv(env: readonly string[], hostname: string, tty: boolean, home: string): string[] {
  const defaults = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  if (tty) defaults.push('TERM=xterm');
  const merged = mergeEnv(defaults, env);
  if (!merged.some((e) => keyOf(e) === 'HOME')) merged.push(`HOME=${home}`);
  return merged;
}

export interface ProcessInputs {
  args: readonly string[];
  env: readonly string[];
  cwd: string;
  user: ResolvedUser;
  tty: boolean;
  consoleSize?: { rows: number; cols: number } | undefined;
  capabilities: readonly string[];
  noNewPrivileges: boolean;
  rlimits?: OciProcess['rlimits'];
}

/** An OCI `process` object: the container's init in config.json, or an exec's process.json. */
export function buildProcess(inputs: ProcessInputs): OciProcess {
  if (inputs.args.length === 0 || inputs.args[0] === '') {
    throw new InvalidArgumentError(
      'no command specified: the image has no Cmd or Entrypoint and none was given',
    );
  }
  const cwd = inputs.cwd === '' ? '/' : inputs.cwd;
  if (!path.posix.isAbsolute(cwd)) {
    throw new InvalidArgumentError(
      `the working directory ${JSON.stringify(cwd)} is invalid, it needs to be an absolute path`,
    );
  }
  const caps = [...inputs.capabilities];
  const process: OciProcess = {
    terminal: inputs.tty,
    user: { uid: inputs.user.uid, gid: inputs.user.gid, additionalGids: inputs.user.additionalGids },
    args: [...inputs.args],
    env: [...inputs.env],
    cwd,
    // Inheritable stays empty (CVE-2022-24769): exec'd programs get no caps through file inheritance.
    capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [] },
    noNewPrivileges: inputs.noNewPrivileges,
  };
  if (inputs.tty) {
    // A terminal always gets a size: 0x0 (none given) makes `stty size` and curses programs fail.
    const size = inputs.consoleSize ?? DEFAULT_CONSOLE_SIZE;
    process.consoleSize = { height: size.rows, width: size.cols };
  }
  if (inputs.rlimits && inputs.rlimits.length > 0) process.rlimits = inputs.rlimits;
  return process;
}
