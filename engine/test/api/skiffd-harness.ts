import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const SKIFF_BIN = here('../../bin/skiff.js');
export const SKIFFD_BIN = here('../../bin/skiffd.js');
export const MAKE_BUSYBOX = here('../../../fixtures/busybox/make-rootfs.sh');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = unknown>(): T;
}

/** Builds the engine once per test run (incremental: a no-op when dist is current). */
export function buildEngine(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('npx', ['tsc', '-b', here('../../')], { cwd: here('../../../') }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tsc -b engine failed:\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A private skiffd for end-to-end tests: its own SKIFF_ROOT and SKIFF_SCRATCH on tmpfs, its own
 * socket and engine name, so it never meets the real defaults or another test's engine.
 */
export class SkiffdHarness {
  base = '';
  socketPath = '';
  env: NodeJS.ProcessEnv = {};
  daemon: ChildProcess | undefined;
  readonly engineName = `e2e-${randomBytes(4).toString('hex')}`;

  async prepare(): Promise<void> {
    this.base = await mkdtemp('/dev/shm/skiff-e2e-api-');
    this.socketPath = path.join(this.base, 'run', 'skiff.sock');
    this.env = {
      ...process.env,
      SKIFF_ROOT: path.join(this.base, 'root'),
      SKIFF_SCRATCH: path.join(this.base, 'scratch'),
      SKIFF_HOST: `unix://${this.socketPath}`,
      SKIFF_ENGINE_NAME: this.engineName,
      SKIFF_LOG_LEVEL: 'debug',
      // Shutdown removes every container and network of this engine: nothing outlives the test.
      SKIFF_EPHEMERAL: '1',
    };
  }

  /** Spawns skiffd in the foreground of a child process and waits for its socket. */
  async start(): Promise<void> {
    const daemon = spawn(process.execPath, [SKIFFD_BIN, '--detached'], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.daemon = daemon;
    let output = '';
    daemon.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    daemon.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    for (let i = 0; i < 600; i++) {
      if (daemon.exitCode !== null) throw new Error(`skiffd exited with ${daemon.exitCode}:\n${output}`);
      if (await socketAnswers(this.socketPath)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`skiffd did not open its socket:\n${output}`);
  }

  /** SIGTERM to the daemon this harness started; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const daemon = this.daemon;
    if (!daemon || daemon.exitCode !== null) return daemon?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    daemon.kill('SIGTERM');
    return exited;
  }

  /**
   * Stops the daemon gracefully (it is ephemeral: containers and networks go with it), SIGKILL only
   * if it hangs; then unmounts anything still under the base (a test that failed half-way) and
   * removes the directory.
   */
  async cleanup(): Promise<void> {
    const daemon = this.daemon;
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      const timer = setTimeout(() => daemon.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (!this.base) return;
    const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
    const mounts = mountinfo
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(`${this.base}/`))
      .reverse();
    for (const m of mounts) await new Promise((r) => execFile('umount', ['-l', m], r));
    await rm(this.base, { recursive: true, force: true });
  }

  /** Runs the real `skiff` CLI as a process. */
  skiff(
    args: string[],
    options: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [SKIFF_BIN, ...args], {
        env: { ...this.env, ...options.env },
        cwd: options.cwd ?? this.base,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code: code ?? -1,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        }),
      );
      child.stdin.end(options.input);
    });
  }

  /** One HTTP request to the engine's socket. */
  http(
    method: string,
    p: string,
    options: { body?: string | Buffer; headers?: Record<string, string | number> } = {},
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: this.socketPath, method, path: p, headers: options.headers },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const body = Buffer.concat(parts);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              json: <T>() => JSON.parse(body.toString()) as T,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** A raw connection: write what you want when you want; `received` settles when the engine closes it. */
  openRaw(first: string | Buffer): { socket: Socket; received: Promise<Buffer> } {
    const socket = connect(this.socketPath);
    const parts: Buffer[] = [];
    socket.on('data', (c) => parts.push(c));
    const received = new Promise<Buffer>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(parts)));
    });
    socket.write(first);
    return { socket, received };
  }

  /** Raw bytes over a fresh connection until the engine closes it (for hijack checks). */
  raw(bytes: string | Buffer, options: { halfCloseAfterMs?: number } = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const s = connect(this.socketPath);
      const parts: Buffer[] = [];
      s.on('data', (c) => parts.push(c));
      s.on('error', reject);
      s.on('close', () => resolve(Buffer.concat(parts)));
      s.on('connect', () => {
        s.write(bytes);
        if (options.halfCloseAfterMs !== undefined) setTimeout(() => s.end(), options.halfCloseAfterMs);
      });
    });
  }
}
