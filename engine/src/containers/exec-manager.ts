import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OciRuntime, RuntimeProcess } from '../runtime/oci-runtime.js';
import { ChunkQueue } from './chunk-queue.js';
import type {
  ExecCreateInput,
  ExecRecord,
  OutputChunk,
  OutputStream,
  StdioSession,
} from './container-service.js';

/** Output of an exec the client may leave unread before the process's pipes stop being read. */
const EXEC_BACKLOG_BYTES = 4 * 1024 * 1024;

/** What exec needs from the container: whether it runs, and how to build an exec's OCI process. */
export interface ExecTarget {
  containerId: string;
  running: boolean;
  paused: boolean;
  /** Settles once the container's process runs (crun refuses execs while it sets the container up). */
  ready(): Promise<void>;
  /** The OCI `process` for this exec: the container's environment, capabilities and user with the exec's on top. */
  buildProcess(
    input: ExecCreateInput,
    tty: boolean,
    consoleSize: { rows: number; cols: number } | undefined,
  ): Promise<object>;
}

interface ExecEntry {
  record: ExecRecord;
  proc?: RuntimeProcess;
  /** Exec records of a container are dropped with it; also capped per container. */
}

const MAX_EXECS_PER_CONTAINER = 256;

export interface ExecStartResult extends StdioSession {
  exitCode: Promise<number>;
}

/**
 * Exec instances (`docker exec`): created against a running container, started once through the
 * runtime's `exec`, inspected afterwards. The exit code is stored BEFORE the output stream ends:
 * testcontainers and the docker CLI inspect right after EOF and need a non-null `ExitCode`.
 * A binary that is missing or not executable exits 127 / 126 as under Docker.
 */
export class ExecManager {
  private readonly execs = new Map<string, ExecEntry>();

  constructor(
    private readonly runtime: OciRuntime,
    private readonly logger: Logger,
    private readonly now: () => bigint,
  ) {}

  create(target: ExecTarget, input: ExecCreateInput): string {
    if (input.cmd.length === 0) throw new InvalidArgumentError('No exec command specified');
    this.checkRunning(target);
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, {
      record: {
        id,
        containerId: target.containerId,
        input,
        running: false,
        exitCode: null,
        pid: 0,
        openStdin: input.attachStdin ?? false,
      },
    });
    this.trim(target.containerId);
    return id;
  }

  get(execId: string): ExecRecord {
    const entry = this.execs.get(execId);
    if (!entry) throw new NotFoundError('exec', execId, `No such exec instance: ${execId}`);
    return entry.record;
  }

  forContainer(containerId: string): ExecRecord[] {
    return [...this.execs.values()].filter((e) => e.record.containerId === containerId).map((e) => e.record);
  }

  dropContainer(containerId: string): void {
    for (const [id, e] of this.execs) if (e.record.containerId === containerId) this.execs.delete(id);
  }

  /** Settles once the exec's terminal has the new size (at once if it is not running). */
  async resize(execId: string, size: { rows: number; cols: number }): Promise<void> {
    const entry = this.execs.get(execId);
    if (!entry) throw new NotFoundError('exec', execId, `No such exec instance: ${execId}`);
    await entry.proc?.resize(size);
  }

  async start(
    execId: string,
    target: ExecTarget,
    options: { detach: boolean; tty?: boolean; consoleSize?: { rows: number; cols: number } },
  ): Promise<ExecStartResult> {
    const entry = this.execs.get(execId);
    if (!entry) throw new NotFoundError('exec', execId, `No such exec instance: ${execId}`);
    const { record } = entry;
    if (record.running || record.exitCode !== null) {
      throw new ConflictError(`exec instance ${execId} has already been started`);
    }
    this.checkRunning(target);
    const input = record.input;
    const tty = options.tty ?? input.tty ?? false;
    const consoleSize = options.consoleSize ?? input.consoleSize;
    const proc = await target.buildProcess(input, tty, consoleSize);
    await target.ready();
    const attachStdin = !options.detach && (input.attachStdin ?? false);
    record.running = true;
    const rp = this.runtime.exec(target.containerId, proc, {
      stdin: attachStdin,
      tty,
      ...(consoleSize ? { consoleSize } : {}),
    });
    entry.proc = rp;
    const log = this.logger.child({ execId, containerId: target.containerId });
    // Backpressure, as Docker's exec has: while the client has more than EXEC_BACKLOG_BYTES
    // unread, the process's output pipes are not read, so its writes block. A client that goes
    // away abandons the queue, which resumes the pipes and drops what they carry.
    const paused = new Set<Readable>();
    const queue: ChunkQueue<OutputChunk> = new ChunkQueue<OutputChunk>({
      weigh: (c) => c.data.length,
      onConsumed: () => {
        if (paused.size === 0 || queue.pendingWeight > EXEC_BACKLOG_BYTES / 2) return;
        for (const stream of paused) stream.resume();
        paused.clear();
      },
    });
    const wantOut = !options.detach && (input.attachStdout ?? true);
    const wantErr = !options.detach && (input.attachStderr ?? true);
    const pump = (stream: Readable, name: OutputStream, want: boolean) =>
      new Promise<void>((resolve) => {
        stream.on('data', (data: Buffer) => {
          if (!want) return;
          queue.push({ stream: name, timeNano: this.now(), data });
          if (queue.pendingWeight > EXEC_BACKLOG_BYTES && !queue.isAbandoned) {
            stream.pause();
            paused.add(stream);
          }
        });
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', () => resolve());
      });
    const outputs = [pump(rp.stdout, 'stdout', wantOut)];
    if (rp.stderr) outputs.push(pump(rp.stderr, 'stderr', wantErr));
    void rp.started.then((started) => {
      if (started && record.running) record.pid = started.pid;
    });
    const exitCode = (async () => {
      let code: number;
      let failure = '';
      try {
        const status = await rp.exited;
        code = status.exitCode;
        failure = status.error ?? '';
      } catch (err: unknown) {
        log.warn({ err }, 'exec could not be started');
        code = 126;
        failure = err instanceof Error ? err.message : String(err);
      }
      await Promise.all(outputs);
      // The process never ran: say why on its stderr, as dockerd does. The runtime's own message
      // (ExitStatus.error) says it; output is never searched for one, since any the process made
      // is its own.
      if (failure && wantErr) {
        queue.push({
          stream: 'stderr',
          timeNano: this.now(),
          data: Buffer.from(`OCI runtime exec failed: ${failure}\n`),
        });
      }
      // Order matters: the code is visible to inspect before the client sees EOF.
      record.exitCode = code;
      record.running = false;
      record.pid = 0;
      entry.proc = undefined;
      queue.end();
      return code;
    })();
    if (rp.stdin && !attachStdin) rp.stdin.end();
    return {
      stdin: attachStdin ? rp.stdin : null,
      output: queue,
      tty,
      detach: () => queue.end(),
      exitCode,
    };
  }

  private checkRunning(target: ExecTarget): void {
    if (!target.running) {
      throw new ConflictError(`Container ${target.containerId} is not running`);
    }
    if (target.paused) {
      throw new ConflictError(`Container ${target.containerId} is paused, unpause the container before exec`);
    }
  }

  private trim(containerId: string): void {
    const mine = [...this.execs.entries()].filter(([, e]) => e.record.containerId === containerId);
    for (const [id, e] of mine.slice(0, Math.max(0, mine.length - MAX_EXECS_PER_CONTAINER))) {
      if (!e.record.running) this.execs.delete(id);
    }
  }
}
