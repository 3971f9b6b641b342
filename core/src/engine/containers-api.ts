import type { Readable } from 'node:stream';
import { EngineApiError, ExecError } from '../errors.js';
import { collectStdio } from './demux-stream.js';
import type { EngineClient, Query } from './engine-client.js';
import type {
  WireContainerInspect,
  WireContainerSummary,
  WireCreateContainerBody,
  WireExecInspect,
} from './wire-types.js';

/** Container calls of the Docker Engine API, one function per verb. */

export async function createContainer(
  client: EngineClient,
  body: WireCreateContainerBody,
  options: { name?: string; platform?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const res = await client.json<{ Id: string }>('POST', '/containers/create', {
    query: { name: options.name, platform: options.platform },
    body,
    signal: options.signal,
  });
  return res.Id;
}

export async function startContainer(client: EngineClient, id: string, signal?: AbortSignal): Promise<void> {
  await client.call('POST', `/containers/${id}/start`, { accept: [304], signal });
}

export async function inspectContainer(
  client: EngineClient,
  id: string,
  signal?: AbortSignal,
): Promise<WireContainerInspect> {
  return client.json<WireContainerInspect>('GET', `/containers/${id}/json`, { signal });
}

export async function stopContainer(client: EngineClient, id: string, timeoutSeconds: number): Promise<void> {
  await client.call('POST', `/containers/${id}/stop`, { query: { t: timeoutSeconds }, accept: [304] });
}

export async function restartContainer(
  client: EngineClient,
  id: string,
  timeoutSeconds: number,
): Promise<void> {
  await client.call('POST', `/containers/${id}/restart`, { query: { t: timeoutSeconds } });
}

/** Removes (force: kills first); a container that is already gone is not an error. */
export async function removeContainer(
  client: EngineClient,
  id: string,
  options: { force?: boolean; volumes?: boolean } = {},
): Promise<void> {
  try {
    await client.call('DELETE', `/containers/${id}`, {
      query: { force: options.force ?? true, v: options.volumes ?? true },
    });
  } catch (err) {
    // 404: already removed (AutoRemove). 409: removal already in progress.
    if (err instanceof EngineApiError && (err.statusCode === 404 || err.statusCode === 409)) return;
    throw err;
  }
}

export async function listContainers(
  client: EngineClient,
  filters: Record<string, string[]>,
  options: { all?: boolean; limit?: number } = {},
): Promise<WireContainerSummary[]> {
  return client.json<WireContainerSummary[]>('GET', '/containers/json', {
    query: { all: options.all ?? true, limit: options.limit, filters },
  });
}

/** Resolves when the container is not running any more; rejects when `signal` aborts. */
export async function waitForExit(
  client: EngineClient,
  id: string,
  signal: AbortSignal,
): Promise<{ StatusCode: number }> {
  return client.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`, {
    query: { condition: 'not-running' },
    signal,
  });
}

export async function containerLogs(client: EngineClient, id: string, query: Query): Promise<Readable> {
  const res = await client.raw('GET', `/containers/${id}/logs`, {
    query: { stdout: true, stderr: true, ...query },
  });
  return res.body;
}

export async function followLogs(client: EngineClient, id: string, query: Query): Promise<Readable> {
  return client.follow(`/containers/${id}/logs`, { stdout: true, stderr: true, follow: true, ...query });
}

export async function putArchive(
  client: EngineClient,
  id: string,
  targetDir: string,
  tar: Buffer | Readable,
  options: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {},
): Promise<void> {
  await client.call('PUT', `/containers/${id}/archive`, {
    query: {
      path: targetDir,
      noOverwriteDirNonDir: options.noOverwriteDirNonDir,
      copyUIDGID: options.copyUIDGID,
    },
    body: tar,
    contentType: 'application/x-tar',
  });
}

export async function getArchive(client: EngineClient, id: string, path: string): Promise<Readable> {
  const res = await client.raw('GET', `/containers/${id}/archive`, { query: { path } });
  return res.body;
}

export interface ExecOptions {
  workingDir?: string;
  user?: string;
  env?: Record<string, string>;
}

export interface ExecResult {
  output: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Runs a command to completion. The start call is an ordinary POST, as testcontainers sends it:
 * the engine answers with the raw multiplexed stream and closes the connection when the process ends.
 */
export async function execInContainer(
  client: EngineClient,
  id: string,
  cmd: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  let execId: string;
  try {
    const created = await client.json<{ Id: string }>('POST', `/containers/${id}/exec`, {
      body: {
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        WorkingDir: options.workingDir,
        User: options.user,
        Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
      },
    });
    execId = created.Id;
  } catch (err) {
    throw new ExecError(
      `cannot create exec ${JSON.stringify(cmd)} in container ${id.slice(0, 12)}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  const res = await client.raw('POST', `/exec/${execId}/start`, { body: { Detach: false, Tty: false } });
  const { output, stdout, stderr } = await collectStdio(res.body);
  const inspect = await client.json<WireExecInspect>('GET', `/exec/${execId}/json`);
  if (inspect.ExitCode === null) {
    throw new ExecError(`exec ${JSON.stringify(cmd)} ended its output but the engine reports no exit code`);
  }
  return { output, stdout, stderr, exitCode: inspect.ExitCode };
}

export async function commitContainer(
  client: EngineClient,
  id: string,
  query: {
    repo?: string;
    tag?: string;
    comment?: string;
    author?: string;
    pause?: boolean;
    changes?: string;
  },
): Promise<string> {
  const res = await client.json<{ Id: string }>('POST', '/commit', {
    query: { container: id, ...query },
    body: {},
  });
  return res.Id;
}
