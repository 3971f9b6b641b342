import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { EngineApi } from './engine-api.js';
import { unmountUnder } from './engine-leftovers.js';
import { SKIFF_BIN, SKIFFD_BIN } from './paths.js';
import { type HttpResult, unixRequest } from './unix-http.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SkiffdOptions {
  /** `SKIFF_LOG_LEVEL` of the daemon (default `debug`: its output is shown when it fails to start). */
  logLevel?: string;
  /** Prefix of the temp directory under /dev/shm (default `skiff-e2e-api-`). */
  prefix?: string;
  /** Prefix of the engine name (default `e2e`). */
  name?: string;
  /** `SKIFF_ROOT`, the persistent store (default: a fresh one under the temp directory). */
  root?: string | undefined;
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
 * socket and engine name, so it never meets the real defaults or another test's engine. It is
 * ephemeral (shutdown removes every container and network it made) and inherits the environment,
 * so under `npm test` it pulls through the fixture registry (`SKIFF_REGISTRY_MIRRORS`).
 *
 * Lifecycle: `prepare()` (directories and `env`, which a test may change), `start()`, any number of
 * `stop()`/`start()`, then `cleanup()` in `afterAll`/`afterEach`, which also works after a failure.
 */
export class SkiffdHarness {
  base = '';
  socketPath = '';
  env: NodeJS.ProcessEnv = {};
  daemon: ChildProcess | undefined;
  readonly engineName: string;
  private output = '';

  constructor(private readonly options: SkiffdOptions = {}) {
    this.engineName = `${options.name ?? 'e2e'}-${randomBytes(4).toString('hex')}`;
  }

  /** An API client on this engine's socket. */
  get api(): EngineApi {
    return new EngineApi(this.socketPath);
  }

  async prepare(): Promise<void> {
    this.base = await mkdtemp(path.join('/dev/shm', this.options.prefix ?? 'skiff-e2e-api-'));
    this.socketPath = path.join(this.base, 'run', 'skiff.sock');
    this.env = {
      ...process.env,
      SKIFF_ROOT: this.options.root ?? path.join(this.base, 'root'),
      SKIFF_SCRATCH: path.join(this.base, 'scratch'),
      SKIFF_HOST: `unix://${this.socketPath}`,
      SKIFF_ENGINE_NAME: this.engineName,
      SKIFF_LOG_LEVEL: this.options.logLevel ?? 'debug',
      // Shutdown removes every container and network of this engine: nothing outlives the test.
      SKIFF_EPHEMERAL: '1',
    };
  }

  /** Spawns skiffd (logging to its pipes, kept for error messages) and waits for its socket. */
  async start(): Promise<void> {
    const daemon = spawn(process.execPath, [SKIFFD_BIN, '--detached'], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.daemon = daemon;
    this.output = '';
    const keep = (c: Buffer) => {
      this.output += c.toString();
    };
    daemon.stdout?.on('data', keep);
    daemon.stderr?.on('data', keep);
    for (let i = 0; i < 600; i++) {
      if (daemon.exitCode !== null) throw new Error(`skiffd exited with ${daemon.exitCode}:\n${this.output}`);
      if (await socketAnswers(this.socketPath)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`skiffd did not open its socket:\n${this.output}`);
  }

  /** What the daemon printed since its last start. */
  log(): string {
    return this.output;
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
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      const timer = setTimeout(() => daemon.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    if (!this.base) return;
    await unmountUnder(this.base);
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
    return unixRequest(this.socketPath, method, p, options);
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

/** A private skiffd, prepared and started: `cleanup()` it in `afterAll`. */
export async function startSkiffd(options: SkiffdOptions = {}): Promise<SkiffdHarness> {
  const h = new SkiffdHarness(options);
  await h.prepare();
  try {
    await h.start();
  } catch (err: unknown) {
    await h.cleanup();
    throw err;
  }
  return h;
}
