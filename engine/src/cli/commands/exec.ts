import type { ContainerInspectWire, ExecInspectWire } from '../../api/wire/container-wire.js';
import type { CliContext } from '../cli-context.js';
import { attachStdio, watchTerminalSize } from '../hijacked-stdio.js';
import { err } from '../output.js';
import { parseEnvEntry } from '../run-options.js';

export interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  privileged?: boolean;
}

/** `skiff exec`: create, start hijacked (or detached), then the exit code from the exec's inspect. */
export async function exec(
  ctx: CliContext,
  ref: string,
  command: string[],
  flags: ExecFlags,
): Promise<number> {
  const { client } = ctx;
  const info = await client.json<ContainerInspectWire>('GET', `/containers/${ref}/json`);
  if (!info.State.Running) {
    err(`Error response from daemon: container ${info.Id} is not running`);
    return 1;
  }
  const tty = flags.tty ?? false;
  const interactive = flags.interactive ?? false;
  const size = tty && process.stdout.isTTY ? [process.stdout.rows, process.stdout.columns] : undefined;
  const { Id } = await client.json<{ Id: string }>('POST', `/containers/${info.Id}/exec`, {
    body: {
      User: flags.user ?? '',
      Privileged: flags.privileged ?? false,
      Tty: tty,
      AttachStdin: interactive && !flags.detach,
      AttachStdout: !flags.detach,
      AttachStderr: !flags.detach,
      Detach: flags.detach ?? false,
      Env: flags.env.map((e) => parseEnvEntry(e, process.env)).filter((e): e is string => e !== undefined),
      WorkingDir: flags.workdir ?? '',
      Cmd: command,
      ...(size ? { ConsoleSize: size } : {}),
    },
  });
  if (flags.detach) {
    await client.call('POST', `/exec/${Id}/start`, { body: { Detach: true, Tty: tty } });
    return 0;
  }
  const conn = await client.upgrade('POST', `/exec/${Id}/start`, {
    body: { Detach: false, Tty: tty, ...(size ? { ConsoleSize: size } : {}) },
  });
  const stopResize = tty
    ? watchTerminalSize((rows, cols) => {
        client.call('POST', `/exec/${Id}/resize`, { query: { h: rows, w: cols } }).catch(() => {});
      })
    : () => {};
  try {
    await attachStdio(conn, { tty, stdin: interactive });
  } finally {
    stopResize();
  }
  const result = await client.json<ExecInspectWire>('GET', `/exec/${Id}/json`);
  return result.ExitCode ?? 0;
}
