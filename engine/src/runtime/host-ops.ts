import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Mounter } from '../os/mounter.js';
import { SystemMounter } from '../os/system-mounter.js';
import { type CommandResult, runCommand } from '../util/run-command.js';

/**
 * What host checks and host preparation touch, behind one port: the real host in
 * `systemHostOps`, scripted answers in unit tests.
 */
export interface HostOps {
  uid(): number;
  /** `undefined` when the file does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  writeFile(path: string, content: string): Promise<void>;
  /** Runs a binary; never rejects for a non-zero exit (exit code 127 when it is missing). */
  run(file: string, args: readonly string[], timeoutMs?: number): Promise<CommandResult>;
  makeTempDir(prefix: string): Promise<string>;
  removeDir(path: string): Promise<void>;
  readonly mounter: Mounter;
}

export function systemHostOps(mounter: Mounter = new SystemMounter()): HostOps {
  return {
    uid: () => process.getuid?.() ?? -1,
    readFile: (p) => readFile(p, 'utf8').catch(() => undefined),
    exists: (p) =>
      access(p).then(
        () => true,
        () => false,
      ),
    mkdir: async (p) => {
      await mkdir(p, { recursive: true });
    },
    run: (file, args, timeoutMs = 15_000) =>
      runCommand(file, args, { allowFailure: true, timeoutMs }).catch(
        (err: unknown): CommandResult => ({ stdout: '', stderr: String(err), exitCode: 127 }),
      ),
    writeFile: (p, content) => writeFile(p, content),
    makeTempDir: (prefix) => mkdtemp(prefix),
    removeDir: (p) => rm(p, { recursive: true, force: true }),
    mounter,
  };
}
