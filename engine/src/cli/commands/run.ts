import type { ContainerCreateBody } from '../../api/wire/container-wire.js';
import type { CliContext } from '../cli-context.js';
import { registerWait } from '../container-wait.js';
import { EngineApiError } from '../engine-client.js';
import { attachStdio, watchTerminalSize } from '../hijacked-stdio.js';
import { pullImage } from '../image-pull.js';
import { err, out } from '../output.js';
import type { CreateFlags } from '../run-flags.js';
import { toCreateBody } from '../run-options.js';

export interface RunFlags extends CreateFlags {
  detach?: boolean;
  sigProxy?: string;
}

function consoleSize(): [number, number] | undefined {
  return process.stdout.isTTY ? [process.stdout.rows, process.stdout.columns] : undefined;
}

/** Create; on "No such image" pull it and create again, as `docker run` does. */
async function createContainer(
  ctx: CliContext,
  body: ContainerCreateBody,
  flags: CreateFlags,
): Promise<string> {
  const query = { name: flags.name, platform: flags.platform };
  const attempt = () =>
    ctx.client.json<{ Id: string; Warnings: string[] | null }>('POST', '/containers/create', { query, body });
  let created: { Id: string; Warnings: string[] | null };
  try {
    created = await attempt();
  } catch (e) {
    if (!(e instanceof EngineApiError) || e.status !== 404 || !/no such image/i.test(e.message)) throw e;
    err(`Unable to find image '${body.Image}' locally`);
    await pullImage(ctx.client, body.Image ?? '', {
      ...(flags.platform ? { platform: flags.platform } : {}),
      tty: process.stderr.isTTY === true,
      write: (s) => process.stderr.write(s),
    });
    created = await attempt();
  }
  for (const w of created.Warnings ?? []) err(`WARNING: ${w}`);
  return created.Id;
}

/** docker's exit codes for a start that failed: 127 command not found, 126 not executable, 125 otherwise. */
function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory|not found/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return 125;
}

/**
 * A run whose start failed (a host port taken, a missing binary) removes the container it made,
 * so nothing half-created stays behind under its name. (`docker run` leaves it `Created`.)
 */
async function discard(ctx: CliContext, id: string): Promise<void> {
  await ctx.client
    .call('DELETE', `/containers/${id}`, { query: { force: 1, v: 1 }, accept: [404] })
    .catch(() => undefined);
}

export async function createOnly(
  ctx: CliContext,
  image: string,
  command: string[],
  flags: CreateFlags,
): Promise<number> {
  const body = toCreateBody(image, command, flags, { attach: false, env: process.env, cwd: process.cwd() });
  out(`${await createContainer(ctx, body, flags)}\n`);
  return 0;
}

/**
 * `skiff run`: create → (attach → wait → start) → stream → exit with the container's code. The
 * attach and the wait are set up before the start so no output and no exit is missed; with
 * `--rm` the wait condition is `removed`, so the code arrives even though the record is gone.
 */
export async function runContainer(
  ctx: CliContext,
  image: string,
  command: string[],
  flags: RunFlags,
): Promise<number> {
  const attach = !flags.detach;
  const size = consoleSize();
  const body = toCreateBody(image, command, flags, {
    attach,
    env: process.env,
    cwd: process.cwd(),
    ...(size ? { consoleSize: size } : {}),
  });
  let id: string;
  try {
    id = await createContainer(ctx, body, flags);
  } catch (e) {
    // docker run's own failures (no image, bad options, pull failed) exit 125.
    if (e instanceof EngineApiError) err(`skiff: Error response from daemon: ${e.message}`);
    else err(`skiff: ${e instanceof Error ? e.message : String(e)}`);
    return 125;
  }
  const { client } = ctx;
  const path = `/containers/${id}`;
  if (!attach) {
    try {
      await client.call('POST', `${path}/start`, { accept: [304] });
    } catch (e) {
      await discard(ctx, id);
      if (e instanceof EngineApiError) {
        err(`skiff: Error response from daemon: ${e.message}`);
        return startFailureCode(e.message);
      }
      throw e;
    }
    out(`${id}\n`);
    return 0;
  }

  const tty = flags.tty ?? false;
  const interactive = flags.interactive ?? false;
  const [conn, waitRes] = await Promise.all([
    client.upgrade('POST', `${path}/attach`, {
      query: { stream: 1, stdout: 1, stderr: 1, stdin: interactive ? 1 : undefined },
      headers: { 'Content-Type': 'text/plain' },
    }),
    registerWait(client, id, flags.rm ? 'removed' : 'next-exit'),
  ]);
  const streaming = attachStdio(conn, { tty, stdin: interactive });

  try {
    await client.call('POST', `${path}/start`, { accept: [304] });
  } catch (e) {
    conn.socket.destroy();
    waitRes.cancel();
    await discard(ctx, id);
    if (e instanceof EngineApiError) {
      err(`skiff: Error response from daemon: ${e.message}`);
      return startFailureCode(e.message);
    }
    throw e;
  }

  const stopResize = tty
    ? watchTerminalSize((rows, cols) => {
        client.call('POST', `${path}/resize`, { query: { h: rows, w: cols } }).catch(() => {});
      })
    : () => {};
  // Without a TTY, signals to the CLI go to the container (docker's --sig-proxy).
  const proxy = !tty && flags.sigProxy !== 'false';
  const forward = (signal: NodeJS.Signals) => {
    client.call('POST', `${path}/kill`, { query: { signal } }).catch(() => {});
  };
  if (proxy) for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, forward);
  try {
    await streaming;
    const result = await waitRes.result;
    if (result.Error?.Message) err(`skiff: ${result.Error.Message}`);
    return result.StatusCode;
  } finally {
    stopResize();
    if (proxy) for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, forward);
  }
}
