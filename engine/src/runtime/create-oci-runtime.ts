import path from 'node:path';
import type { RuntimeName } from '../config.js';
import type { Logger } from '../logger.js';
import { createProcessSpawner } from '../os/create-process-spawner.js';
import type { ProcessSpawner } from '../os/process-spawner.js';
import { runCommand } from '../util/run-command.js';
import { CliOciRuntime } from './crun-runtime.js';

export interface CreateOciRuntimeOptions {
  name: RuntimeName;
  /** The engine's scratch dir: state goes to `<scratchDir>/runtime`, per-call files to `<scratchDir>/runtime-calls`. */
  scratchDir: string;
  logger: Logger;
  binary?: string;
  /** Starts `run`/`exec`; default the native spawner when Skiff's addon is built (see createProcessSpawner). */
  spawner?: ProcessSpawner;
}

/** `crun version 1.8.1` / `runc version 1.1.5+ds1` → the version word. */
export function parseRuntimeVersion(output: string): string {
  return /version\s+(\S+)/.exec(output)?.[1] ?? 'unknown';
}

/** Builds the runtime driver after asking the binary for its version (fails if it is missing). */
export async function createOciRuntime(options: CreateOciRuntimeOptions): Promise<CliOciRuntime> {
  const binary = options.binary ?? options.name;
  const { stdout } = await runCommand(binary, ['--version'], { timeoutMs: 10_000 });
  return new CliOciRuntime({
    name: options.name,
    binary,
    version: parseRuntimeVersion(stdout),
    stateRoot: path.join(options.scratchDir, 'runtime'),
    workDir: path.join(options.scratchDir, 'runtime-calls'),
    logger: options.logger,
    spawner: options.spawner ?? createProcessSpawner().spawner,
  });
}
