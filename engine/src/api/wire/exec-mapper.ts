import type { ExecCreateInput, ExecRecord } from '../../containers/container-service.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ExecInspectWire } from './container-wire.js';
import { optBool, optString, optStringArray, optStrSlice, requireObject } from './wire-value.js';

/** `POST /containers/{id}/exec` body → ExecCreateInput. An empty Cmd is a 400, as in moby. */
export function toExecCreateInput(raw: unknown): ExecCreateInput {
  const body = requireObject(raw ?? {}, 'exec create body');
  const cmd = optStrSlice(body, 'Cmd') ?? [];
  if (cmd.length === 0) throw new InvalidArgumentError('No exec command specified');
  const input: ExecCreateInput = {
    cmd,
    tty: optBool(body, 'Tty') ?? false,
    attachStdin: optBool(body, 'AttachStdin') ?? false,
    attachStdout: optBool(body, 'AttachStdout') ?? false,
    attachStderr: optBool(body, 'AttachStderr') ?? false,
    privileged: optBool(body, 'Privileged') ?? false,
  };
  const env = optStringArray(body, 'Env');
  if (env) input.env = env;
  const workingDir = optString(body, 'WorkingDir');
  if (workingDir) input.workingDir = workingDir;
  const user = optString(body, 'User');
  if (user) input.user = user;
  const size = consoleSize(body.ConsoleSize);
  if (size) input.consoleSize = size;
  return input;
}

/** `ConsoleSize: [height, width]` (API ≥ 1.42) → rows/cols; zeros mean unknown. */
export function consoleSize(value: unknown): { rows: number; cols: number } | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== 2 || value.some((v) => typeof v !== 'number' || v < 0)) {
    throw new InvalidArgumentError('invalid ConsoleSize: expected [height, width]');
  }
  const [rows, cols] = value as [number, number];
  return rows > 0 && cols > 0 ? { rows, cols } : undefined;
}

/** `POST /exec/{id}/start` body: `{"Detach":false,"Tty":false,"ConsoleSize":[h,w]}`; dockerode adds `stdin`. */
export function toExecStartOptions(raw: unknown): {
  detach: boolean;
  tty?: boolean;
  consoleSize?: { rows: number; cols: number };
} {
  const body = requireObject(raw ?? {}, 'exec start body');
  const out: { detach: boolean; tty?: boolean; consoleSize?: { rows: number; cols: number } } = {
    detach: optBool(body, 'Detach') ?? false,
  };
  const tty = optBool(body, 'Tty');
  if (tty !== undefined) out.tty = tty;
  const size = consoleSize(body.ConsoleSize);
  if (size) out.consoleSize = size;
  return out;
}

export function toExecInspect(exec: ExecRecord): ExecInspectWire {
  const [entrypoint = '', ...args] = exec.input.cmd;
  return {
    ID: exec.id,
    Running: exec.running,
    ExitCode: exec.exitCode,
    ProcessConfig: {
      tty: exec.input.tty ?? false,
      entrypoint,
      arguments: args,
      privileged: exec.input.privileged ?? false,
      user: exec.input.user ?? '',
    },
    OpenStdin: exec.openStdin,
    OpenStderr: exec.input.attachStderr ?? false,
    OpenStdout: exec.input.attachStdout ?? false,
    CanRemove: false,
    ContainerID: exec.containerId,
    DetachKeys: '',
    Pid: exec.pid,
  };
}
