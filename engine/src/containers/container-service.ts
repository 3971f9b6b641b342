import type { Readable, Writable } from 'node:stream';
import type { FilesystemChange } from './container-changes.js';
import type { ContainerRecord, ContainerStatus } from './container-record.js';
import type { ContainerSpec, EndpointSpec } from './container-spec.js';
import type { ContainerUpdateInput } from './container-update.js';

/**
 * What a create request carries before the merge with the image config. `undefined` means "not
 * given": take the image's value or the engine default (moby's merge rules; an explicit empty
 * `entrypoint` clears the image entrypoint, and any explicit entrypoint drops the image cmd).
 */
export type ContainerCreateInput = Partial<Omit<ContainerSpec, 'imageId' | 'entrypoint' | 'cmd'>> & {
  image: string;
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  /** `os/arch[/variant]`, checked against the image. */
  platform?: string;
};

export type OutputStream = 'stdout' | 'stderr';

/** A chunk of container output as the supervisor recorded it. */
export interface OutputChunk {
  stream: OutputStream;
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
  data: Buffer;
}

export interface LogsOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  /** Unix seconds (fractional allowed); entries strictly older are skipped. */
  since?: number;
  until?: number;
  /** Last N entries; undefined means all. */
  tail?: number;
  /** Prefix every line (not every chunk: a long line may arrive in pieces) with its RFC 3339 nano time. */
  timestamps?: boolean;
  signal?: AbortSignal;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult {
  statusCode: number;
  error?: string;
}

export interface ListOptions {
  all: boolean;
  limit?: number;
  /** Docker filters, normalised to key → values (label, name, id, status, ancestor, before, since, exited, health, network, volume, publish, expose, is-task). */
  filters: Record<string, string[]>;
}

/** A live I/O session on a container's stdio (attach) or an exec process. */
export interface StdioSession {
  /** Present when stdin was requested; ending it closes the process's stdin. */
  stdin: Writable | null;
  /** Output as it arrives; ends when the process exits (or the session is detached). */
  output: AsyncIterable<OutputChunk>;
  /** Tty sessions have one raw stream (stdout) and no framing. */
  tty: boolean;
  /** Stops delivering output without affecting the process. */
  detach(): void;
}

export interface ExecCreateInput {
  cmd: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  tty?: boolean;
  attachStdin?: boolean;
  attachStdout?: boolean;
  attachStderr?: boolean;
  privileged?: boolean;
  consoleSize?: { rows: number; cols: number };
}

export interface ExecRecord {
  id: string;
  containerId: string;
  input: ExecCreateInput;
  running: boolean;
  /** null until the process exited; set before its output stream ends (clients inspect right after EOF). */
  exitCode: number | null;
  pid: number;
  openStdin: boolean;
}

/** Stat of a path in a container, in the shape of Docker's `X-Docker-Container-Path-Stat`. */
export interface PathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits (dir = 1<<31, symlink = 1<<27, …), as `docker cp` expects. */
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ContainerStats {
  read: string;
  cpuTotalNs: number;
  systemCpuNs: number;
  onlineCpus: number;
  memoryUsage: number;
  memoryLimit: number;
  pids: number;
  networks: Record<string, { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }>;
}

export interface CommitInput {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Dockerfile instructions (CMD, ENV, LABEL, …) applied to the new image config. */
  changes?: string[];
  pause?: boolean;
}

/**
 * The container operations the API and the CLI reach. Names and IDs are accepted wherever `ref`
 * appears (full ID, unique ID prefix, or name with or without the leading `/`).
 * Errors: NotFoundError (`No such container: x`), ConflictError (name in use, running container),
 * NotModifiedError (start of a running / stop of a stopped container), InvalidArgumentError.
 */
export interface ContainerService {
  create(input: ContainerCreateInput): Promise<{ id: string; warnings: string[] }>;
  start(ref: string): Promise<void>;
  /** Sends the stop signal, waits `timeoutSeconds` (default spec.stopTimeout or 10), then SIGKILL. */
  stop(ref: string, options?: { timeoutSeconds?: number; signal?: string }): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  restart(ref: string, options?: { timeoutSeconds?: number }): Promise<void>;
  wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult>;
  remove(ref: string, options?: { force?: boolean; removeVolumes?: boolean }): Promise<void>;
  inspect(ref: string): Promise<ContainerRecord>;
  list(options: ListOptions): Promise<ContainerRecord[]>;
  rename(ref: string, newName: string): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  resize(ref: string, size: { rows: number; cols: number }): Promise<void>;
  logs(ref: string, options: LogsOptions): AsyncIterable<OutputChunk>;
  /** Attaches to live stdio; subscribes at once so output right after a following start is not lost. */
  attach(
    ref: string,
    options: { stdin: boolean; stdout: boolean; stderr: boolean; logs: boolean; stream: boolean },
  ): Promise<StdioSession>;
  top(ref: string, psArgs?: string): Promise<{ titles: string[]; processes: string[][] }>;
  stats(ref: string): Promise<ContainerStats>;
  prune(filters: Record<string, string[]>): Promise<{ deleted: string[]; spaceReclaimed: number }>;

  createExec(ref: string, input: ExecCreateInput): Promise<string>;
  startExec(
    execId: string,
    options: { detach: boolean; tty?: boolean; consoleSize?: { rows: number; cols: number } },
  ): Promise<StdioSession & { exitCode: Promise<number> }>;
  inspectExec(execId: string): Promise<ExecRecord>;
  resizeExec(execId: string, size: { rows: number; cols: number }): Promise<void>;

  statPath(ref: string, path: string): Promise<PathStat>;
  getArchive(ref: string, path: string): Promise<{ stat: PathStat; tar: Readable }>;
  putArchive(
    ref: string,
    path: string,
    tar: Readable,
    options: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
  ): Promise<void>;
  commit(ref: string, input: CommitInput): Promise<{ id: string }>;
  /**
   * `POST /containers/{id}/update`: new limits and restart policy, applied at once to a running
   * container and recorded for later starts. Optional for engines that cannot.
   */
  update?(ref: string, input: ContainerUpdateInput): Promise<{ warnings: string[] }>;
  /** `GET /containers/{id}/changes` (`docker diff`): the writable layer against the image. */
  changes?(ref: string): Promise<FilesystemChange[]>;
  /** `GET /containers/{id}/export` (`docker export`): the root filesystem as one tar. */
  exportFilesystem?(ref: string): Promise<Readable>;
  /** Bytes in the container's writable layer (`SizeRw` of `system df` and `ps --size`). */
  sizeRw?(ref: string): Promise<number>;

  /** Removes the containers of a session, or every container carrying the label. */
  removeByLabel(label: string, value?: string): Promise<string[]>;

  /**
   * `POST /networks/{id}/connect`: a created container keeps the endpoint for its start (the
   * testcontainers order: create, connect with aliases, start); a running one joins at once.
   * Optional: engines without a network manager may leave it out.
   */
  connectNetwork?(ref: string, endpoint: EndpointSpec): Promise<void>;
  /** `POST /networks/{id}/disconnect`; with `force`, a container not on the network is no error. */
  disconnectNetwork?(ref: string, network: string, options?: { force?: boolean }): Promise<void>;
}

export function isRunningStatus(status: ContainerStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'restarting';
}
