import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SKIFF_BIN } from '@skiff/testing';
import bcrypt from 'bcryptjs';

/** An htpasswd file with one bcrypt entry (the only kind the CNCF registry and Skiff's accept). */
export async function writeHtpasswd(file: string, user: string, password: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${user}:${bcrypt.hashSync(password, 5)}\n`);
  return file;
}

export interface SpawnedRegistry {
  /** `127.0.0.1:port`, as image references name it. */
  host: string;
  child: ChildProcess;
  log(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `skiff registry serve --addr 127.0.0.1:0` as a child process: the real CLI verb, which prints
 * the bound address on stdout and logs through pino on stderr.
 */
export async function startSkiffRegistry(
  dir: string,
  options: { htpasswd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<SpawnedRegistry> {
  const args = [SKIFF_BIN, 'registry', 'serve', '--addr', '127.0.0.1:0', '--root', path.join(dir, 'storage')];
  if (options.htpasswd) args.push('--htpasswd', options.htpasswd);
  const child = spawn(process.execPath, args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  for (let i = 0; i < 400; i++) {
    const m = /listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(out);
    if (m?.[1]) {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return {
        host: m[1],
        child,
        log: () => err,
        stop: async () => {
          if (child.exitCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    if (child.exitCode !== null)
      throw new Error(`skiff registry serve exited with ${child.exitCode}:\n${out}${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`skiff registry serve did not report its address:\n${out}${err}`);
}
