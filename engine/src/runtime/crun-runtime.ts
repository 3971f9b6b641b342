import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeName } from '../config.js';
import { ConflictError, InvalidArgumentError, NotFoundError, RuntimeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProcessSpawner } from '../os/process-spawner.js';
import { runCommand } from '../util/run-command.js';
import type { OciRuntime, RuntimeProcess, RuntimeState, RuntimeStdio } from './oci-runtime.js';
import { OCI_VERSION, type OciResources, type OciSeccomp, type OciSpec } from './oci-spec-types.js';
import { parseRuntimeLog, runtimeErrors, signalNumber } from './runtime-exit.js';
import { type SpawnRuntimeOptions, spawnRuntimeProcess, type TerminalMode } from './runtime-process.js';
import { SeccompBpfCache } from './seccomp-bpf-cache.js';

export interface CliOciRuntimeOptions {
  name: RuntimeName;
  /** The binary to run; defaults to `name` on PATH. */
  binary?: string;
  version: string;
  /** `--root`: this engine's private runtime state (`<scratchDir>/runtime`). */
  stateRoot: string;
  /** Where exec process.json, pid and log files live while a runtime call runs. */
  workDir: string;
  logger: Logger;
  /** Starts `run` and `exec` calls without a TTY; default child_process. */
  spawner?: ProcessSpawner;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const STATUSES = new Set<RuntimeState['status']>(['creating', 'created', 'running', 'paused', 'stopped']);

function checkId(id: string): string {
  if (!ID.test(id))
    throw new InvalidArgumentError(`invalid container id ${JSON.stringify(id)} for the OCI runtime`);
  return id;
}

function toState(raw: unknown): RuntimeState | undefined {
  const r = raw as Partial<Record<'id' | 'status' | 'bundle', unknown>> & { pid?: unknown };
  if (!r || typeof r.id !== 'string' || typeof r.status !== 'string') return undefined;
  const status = STATUSES.has(r.status as RuntimeState['status'])
    ? (r.status as RuntimeState['status'])
    : 'stopped';
  return {
    id: r.id,
    status,
    pid: typeof r.pid === 'number' && status !== 'stopped' ? r.pid : 0,
    bundle: typeof r.bundle === 'string' ? r.bundle : '',
  };
}

/**
 * crun or runc driven through their shared CLI (`run`, `exec`, `kill`, `delete`, `state`, `list`,
 * `pause`, `resume`), with a state root private to this engine. `run` and `exec` stay in the
 * foreground as the engine's children: their exit status is the container's. Each call logs to
 * its own JSON log file so a start failure (missing executable → 127, not executable → 126) is
 * told apart from the process's own exit code.
 */
export class CliOciRuntime implements OciRuntime {
  readonly name: RuntimeName;
  readonly version: string;
  readonly stateRoot: string;
  private readonly binary: string;
  private readonly workDir: string;
  private readonly logger: Logger;
  private workDirReady = false;
  private readonly seccompCache: SeccompBpfCache | undefined;
  private readonly spawner: ProcessSpawner | undefined;

  constructor(options: CliOciRuntimeOptions) {
    this.spawner = options.spawner;
    this.name = options.name;
    this.version = options.version;
    this.binary = options.binary ?? options.name;
    this.stateRoot = options.stateRoot;
    this.workDir = options.workDir;
    this.logger = options.logger.child({ runtime: options.name });
    this.seccompCache =
      options.name === 'crun'
        ? new SeccompBpfCache((seccomp) => this.compileSeccomp(seccomp), this.logger)
        : undefined;
  }

  /**
   * Runtime-specific finishing of a spec before its bundle is written: for crun, the seccomp
   * filter precompiled once per profile (see SeccompBpfCache). Optional for callers: a spec
   * without it runs the same, just slower to start.
   */
  async prepareSpec(spec: OciSpec): Promise<OciSpec> {
    return this.seccompCache ? this.seccompCache.annotate(spec) : spec;
  }

  run(id: string, bundle: string, stdio: RuntimeStdio): RuntimeProcess {
    checkId(id);
    this.ensureWorkDir();
    const logFile = this.tempPath(id, 'log');
    const pidFile = this.tempPath(id, 'pid');
    const terminal = this.terminalMode(stdio);
    return spawnRuntimeProcess({
      binary: this.binary,
      args: [
        ...this.globalArgs(logFile),
        'run',
        '--bundle',
        bundle,
        '--pid-file',
        pidFile,
        ...consoleArgs(terminal),
        id,
      ],
      kind: 'run',
      stdio,
      terminal,
      logFile,
      pidFile,
      tempFiles: [],
      ...this.innerResize(),
      logger: this.logger.child({ containerId: id }),
      ...(this.spawner ? { spawner: this.spawner } : {}),
    });
  }

  exec(id: string, process: object, stdio: RuntimeStdio): RuntimeProcess {
    checkId(id);
    const logFile = this.tempPath(id, 'log');
    const processFile = this.tempPath(id, 'process.json');
    const pidFile = this.tempPath(id, 'pid');
    const spec: Record<string, unknown> = { ...(process as Record<string, unknown>), terminal: stdio.tty };
    if (stdio.tty && stdio.consoleSize)
      spec.consoleSize = { height: stdio.consoleSize.rows, width: stdio.consoleSize.cols };
    // `exec` returns its process synchronously (the interface), so process.json is written
    // synchronously too: a few hundred bytes on tmpfs, far cheaper than the spawn that follows.
    this.ensureWorkDir();
    writeFileSync(processFile, JSON.stringify(spec), { mode: 0o600 });
    const terminal = this.terminalMode(stdio);
    return spawnRuntimeProcess({
      binary: this.binary,
      args: [
        ...this.globalArgs(logFile),
        'exec',
        '--process',
        processFile,
        '--pid-file',
        pidFile,
        ...consoleArgs(terminal),
        id,
      ],
      kind: 'exec',
      stdio,
      terminal,
      logFile,
      pidFile,
      tempFiles: [processFile],
      ...this.innerResize(),
      logger: this.logger.child({ containerId: id }),
      ...(this.spawner ? { spawner: this.spawner } : {}),
    });
  }

  async kill(id: string, signal: NodeJS.Signals | number, options: { all?: boolean } = {}): Promise<void> {
    checkId(id);
    const signo = signalNumber(signal);
    if (signo <= 0) throw new InvalidArgumentError(`invalid signal ${JSON.stringify(signal)}`);
    const args = ['kill', ...(options.all ? ['--all'] : []), id, String(signo)];
    const result = await this.command(args);
    if (result.exitCode === 0) return;
    const state = await this.state(id);
    if (!state) throw new NotFoundError('container', id);
    if (state.status !== 'running' && state.status !== 'paused' && state.status !== 'created') {
      throw new ConflictError(`Container ${id} is not running`);
    }
    throw new RuntimeError(`${this.name} kill ${id} ${signo} failed: ${result.stderr.trim()}`);
  }

  /** Deleting a container the runtime does not know is a no-op: crash recovery calls it blindly. */
  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    checkId(id);
    if (!(await this.known(id))) return;
    const result = await this.command(['delete', ...(options.force ? ['--force'] : []), id]);
    if (result.exitCode !== 0 && (await this.known(id))) {
      throw new RuntimeError(`${this.name} delete ${id} failed: ${result.stderr.trim()}`);
    }
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    checkId(id);
    if (!(await this.known(id))) return undefined;
    const result = await this.command(['state', id]);
    if (result.exitCode !== 0) {
      // The state dir appears before the runtime writes its status file: a container being created.
      if (await this.known(id)) return { id, status: 'creating', pid: 0, bundle: '' };
      return undefined;
    }
    return toState(JSON.parse(result.stdout));
  }

  async list(): Promise<RuntimeState[]> {
    try {
      if ((await readdir(this.stateRoot)).length === 0) return [];
    } catch {
      return [];
    }
    const result = await this.command(['list', '--format', 'json']);
    if (result.exitCode !== 0) throw new RuntimeError(`${this.name} list failed: ${result.stderr.trim()}`);
    const parsed: unknown = JSON.parse(result.stdout.trim() || 'null');
    if (!Array.isArray(parsed)) return [];
    return parsed.map(toState).filter((s): s is RuntimeState => s !== undefined);
  }

  async pause(id: string): Promise<void> {
    await this.simple('pause', id);
  }

  async resume(id: string): Promise<void> {
    await this.simple('resume', id);
  }

  /** crun and runc both read the new `linux.resources` object from a file: `update --resources FILE ID`. */
  async update(id: string, resources: OciResources): Promise<void> {
    checkId(id);
    this.ensureWorkDir();
    const dir = await mkdtemp(path.join(this.workDir, 'update-'));
    try {
      const file = path.join(dir, 'resources.json');
      writeFileSync(file, JSON.stringify(resources));
      const result = await this.command(['update', '--resources', file, id]);
      if (result.exitCode === 0) return;
      if (!(await this.known(id))) throw new NotFoundError('container', id);
      throw new RuntimeError(`${this.name} update ${id} failed: ${result.stderr.trim()}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Compiles a seccomp profile the way crun would at start: `crun create` of a container that is
   * never started (no cgroups, empty rootfs), whose state then holds crun's own `seccomp.bpf`.
   */
  private async compileSeccomp(seccomp: OciSeccomp): Promise<Buffer> {
    this.ensureWorkDir();
    const dir = await mkdtemp(path.join(this.workDir, 'seccomp-'));
    const id = `skiff-seccomp-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(path.join(dir, 'rootfs', 'dev'), { recursive: true });
      // crun checks at create that the executable exists; it is never started.
      writeFileSync(path.join(dir, 'rootfs', 'never-started'), '', { mode: 0o755 });
      const config = {
        ociVersion: OCI_VERSION,
        process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['/never-started'], env: [], cwd: '/' },
        root: { path: 'rootfs', readonly: false },
        mounts: [
          {
            destination: '/dev',
            type: 'tmpfs',
            source: 'tmpfs',
            options: ['nosuid', 'mode=755', 'size=64k'],
          },
        ],
        linux: { namespaces: ['mount', 'pid', 'ipc', 'uts', 'network'].map((type) => ({ type })), seccomp },
      };
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
      // The created init keeps crun's stdio open until started or killed: no pipes to wait on.
      const logFile = path.join(dir, 'crun.log');
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          this.binary,
          [...this.globalArgs(logFile), '--cgroup-manager=disabled', 'create', '--bundle', dir, id],
          { stdio: 'ignore', timeout: 30_000 },
        );
        child.once('error', reject);
        child.once('exit', resolve);
      });
      if (code !== 0) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        throw new RuntimeError(
          `crun create for seccomp failed: ${runtimeErrors(parseRuntimeLog(log)).join('; ')}`,
        );
      }
      return await readFile(path.join(this.stateRoot, id, 'seccomp.bpf'));
    } finally {
      await this.command(['delete', '--force', id]);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Removes per-call files (logs, process.json, pid files) a crashed engine left in the work dir.
   * Call at engine start, before the first run or exec: a runtime still writing to an unlinked
   * log is unaffected, but a call starting concurrently would lose its files.
   */
  async removeStaleCallFiles(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.workDir);
    } catch {
      return 0;
    }
    await Promise.all(names.map((n) => rm(path.join(this.workDir, n), { recursive: true, force: true })));
    return names.length;
  }

  private async simple(verb: string, id: string): Promise<void> {
    checkId(id);
    const result = await this.command([verb, id]);
    if (result.exitCode === 0) return;
    if (!(await this.known(id))) throw new NotFoundError('container', id);
    throw new RuntimeError(`${this.name} ${verb} ${id} failed: ${result.stderr.trim()}`);
  }

  private globalArgs(logFile?: string): string[] {
    const args = ['--root', this.stateRoot];
    if (logFile) args.push('--log', logFile, '--log-format', 'json');
    return args;
  }

  private command(args: string[]) {
    return runCommand(this.binary, [...this.globalArgs(), ...args], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
  }

  private async known(id: string): Promise<boolean> {
    try {
      await access(path.join(this.stateRoot, id));
      return true;
    } catch {
      return false;
    }
  }

  private ensureWorkDir(): void {
    if (this.workDirReady) return;
    mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
    this.workDirReady = true;
  }

  private tempPath(id: string, suffix: string): string {
    return path.join(this.workDir, `${id}.${randomBytes(4).toString('hex')}.${suffix}`);
  }

  /**
   * crun hands a TTY's console to the engine (`--console-socket`): its own relay ends at the
   * process's exit and loses what it had not read yet. runc takes a console socket only with
   * `--detach` (losing the exit status), so it relays onto a pty the engine holds, draining first.
   */
  private terminalMode(stdio: RuntimeStdio): TerminalMode {
    if (!stdio.tty || this.name !== 'crun') return { kind: 'pty' };
    // Short names: a unix socket path holds 107 bytes, and container ids alone are 64.
    return {
      kind: 'console-socket',
      socketPath: path.join(this.workDir, `console-${randomBytes(6).toString('hex')}.sock`),
    };
  }

  /**
   * The container's own terminal is resized directly: crun's console is the engine's (nothing
   * else would resize it), and runc passes on its pty's size only when SIGWINCH reaches it, after
   * `resize` returned.
   */
  private innerResize(): Pick<SpawnRuntimeOptions, 'resizeInner'> {
    return { resizeInner: resizeConsoleOf };
  }
}

function consoleArgs(terminal: TerminalMode): string[] {
  return terminal.kind === 'console-socket' ? ['--console-socket', terminal.socketPath] : [];
}

/**
 * Resizes the terminal of container process `pid`. The engine holds the console's master, but
 * Node has no ioctl, and reopening the master through /proc would allocate a new pty; the
 * process's own end of it (its stdio on the container's devpts) takes the size as well:
 * TIOCSWINSZ on any fd of a pty sets its size and signals its foreground process group. `stty`
 * does that ioctl for us.
 */
async function resizeConsoleOf(pid: number, size: { rows: number; cols: number }): Promise<void> {
  for (const fd of [0, 1, 2]) {
    const fdPath = `/proc/${pid}/fd/${fd}`;
    let target: string;
    try {
      target = await readlink(fdPath);
    } catch {
      continue;
    }
    if (!target.startsWith('/dev/pts/')) continue;
    await runCommand('stty', ['-F', fdPath, 'rows', String(size.rows), 'cols', String(size.cols)], {
      timeoutMs: 5000,
    });
    return;
  }
}
