import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Env } from '../constants.js';
import { EngineUnavailableError, errorMessage } from '../errors.js';

/** How to start a per-test-run skiffd. Every field is injectable so tests never touch the real defaults. */
export interface OnDemandOptions {
  /** The socket it will listen on. */
  socketPath: string;
  /** Extra environment for skiffd (e.g. `SKIFF_ROOT` for a test). */
  env?: NodeJS.ProcessEnv;
  /** Path of the `skiffd` entry script; resolved from `@skiff/engine`'s `bin` when omitted. */
  skiffdPath?: string;
  /** Where skiffd writes its log. */
  logFile?: string;
  readyTimeoutMs?: number;
}

/** Finds the `skiffd` bin of the installed `@skiff/engine`, or explains why there is none. */
export function resolveSkiffd(): { path: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    // The package's exports may hide package.json: resolve its entry, then walk up to its root.
    entry = require.resolve('@skiff/engine');
  } catch {
    return { missing: '@skiff/engine is not installed' };
  }
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    bin?: Record<string, string> | string;
  };
  const rel = typeof pkg.bin === 'object' ? pkg.bin.skiffd : undefined;
  if (!rel) return { missing: `@skiff/engine at ${dir} declares no skiffd bin` };
  const abs = path.resolve(dir, rel);
  if (!existsSync(abs)) return { missing: `skiffd bin ${abs} does not exist (is @skiff/engine built?)` };
  return { path: abs };
}

/** Whether this machine can run skiffd for us: Linux, as root (rootless is a later goal). */
export function canRunSkiffd(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux')
    return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  return { ok: true };
}

/**
 * Spawns skiffd detached with `SKIFF_EXIT_WHEN_IDLE=1`: it outlives this process only until its
 * last session ends (see core/SESSIONS.md). Returns once the socket answers `/_ping`.
 */
export async function startOnDemandEngine(
  options: OnDemandOptions,
  ping: (socketPath: string) => Promise<boolean>,
): Promise<{ pid: number; skiffdPath: string }> {
  const resolved = options.skiffdPath ? { path: options.skiffdPath } : resolveSkiffd();
  if ('missing' in resolved)
    throw new EngineUnavailableError(`cannot start skiffd on demand: ${resolved.missing}`);
  const logFile =
    options.logFile ?? path.join(os.tmpdir(), `skiffd-on-demand-${process.getuid?.() ?? 0}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [resolved.path], {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      ...options.env,
      [Env.SkiffHost]: `unix://${options.socketPath}`,
      [Env.ExitWhenIdle]: '1',
    },
  });
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  child.once('error', (err) => {
    exited = errorMessage(err);
  });
  const until = Date.now() + (options.readyTimeoutMs ?? 20_000);
  while (Date.now() < until) {
    if (exited) break;
    if (await ping(options.socketPath)) return { pid: child.pid ?? 0, skiffdPath: resolved.path };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new EngineUnavailableError(
    `skiffd started on demand from ${resolved.path} ${exited ?? 'did not answer in time'} on ${options.socketPath}; ` +
      `its log is ${logFile}`,
  );
}
