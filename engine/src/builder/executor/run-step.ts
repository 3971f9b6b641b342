import { StringDecoder } from 'node:string_decoder';
import { resolveUser, UnknownUserError } from '../../runtime/user-resolver.js';
import type { Resolved, RunInstruction } from '../instruction.js';
import { runCommand } from '../run-command.js';
import { BuildCancelledError, BuildStepError, RunStepFailedError } from './build-errors.js';
import type { BuildNetwork } from './build-types.js';
import { DEFAULT_SHELL } from './history-text.js';
import { commitUpperDir, type LayerCommitDeps } from './layer-commit.js';
import { chainOf, runConfigOf, type StageImage, type StepCommit } from './stage-image.js';
import { runStepContainer, type StepContainerDeps } from './step-container.js';
import { dropMountPoints, recordMountPoints, type StepRootfsDeps, withStepRootfs } from './step-rootfs.js';

/** Output lines kept for the error of a failing RUN. */
const TAIL_LINES = 10;

/** What a RUN executes and how its history entry (and cache key) reads. */
export interface PlannedRun {
  args: string[];
  /** `created_by`: the command as Docker records it, with `|N K=V …` when build args are in effect. */
  createdBy: string;
  /** The command for the failure message (`/bin/sh -c exit 1`). */
  display: string;
  files: { destination: string; content: string; mode: number }[];
}

/** Turns a RUN into the process to start, with Docker's history text. */
export function planRun(
  run: Resolved<RunInstruction>,
  shell: readonly string[] | undefined,
  cacheArgs: string[],
): PlannedRun {
  const sh = shell && shell.length > 0 ? [...shell] : [...DEFAULT_SHELL];
  const command = runCommand(run);
  let args: string[];
  const files: PlannedRun['files'] = [];
  if (command.kind === 'exec') args = [...command.args];
  else if (command.kind === 'shell') args = [...sh, command.script];
  else {
    const destination = '/dev/pipes/RUN-heredoc';
    files.push({ destination, content: command.content, mode: 0o755 });
    args = [destination];
  }
  const shown = command.kind === 'file' ? `${sh.join(' ')} ${command.content}` : args.join(' ');
  const prefix = cacheArgs.length > 0 ? `|${cacheArgs.length} ${cacheArgs.join(' ')} ` : '';
  return { args, createdBy: `${prefix}${shown}`, display: shown, files };
}

export interface RunStepDeps extends LayerCommitDeps, StepContainerDeps, StepRootfsDeps {}

export interface RunStepInput {
  /** The step container's id (64 hex). */
  id: string;
  run: Resolved<RunInstruction>;
  plan: PlannedRun;
  image: StageImage;
  env: string[];
  network: BuildNetwork;
  onOutput: (text: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs a RUN step: a container on an overlay of the current layers, whose upper dir becomes the
 * step's layer. A non-zero exit fails with Docker's message and the last lines the command
 * printed; the rootfs, container and bundle are removed either way.
 */
export async function executeRun(deps: RunStepDeps, input: RunStepInput): Promise<StepCommit> {
  const id = input.id;
  const config = runConfigOf(input.image);
  const tail: string[] = [];
  let partial = '';
  const decoder = new StringDecoder('utf8');
  const parent = input.image.layers[input.image.layers.length - 1]?.chainId;
  const layer = await withStepRootfs(deps, id, chainOf(input.image), async (fs, unmount) => {
    let user: Awaited<ReturnType<typeof resolveUser>>;
    try {
      user = await resolveUser(fs.mountpoint, config.User ?? '');
    } catch (err: unknown) {
      if (err instanceof UnknownUserError) {
        throw new BuildStepError(input.run.location, 'RUN', err.message, { cause: err, code: err.code });
      }
      throw err;
    }
    const before = await recordMountPoints(fs.mountpoint);
    const status = await runStepContainer(deps, {
      id,
      rootfsPath: fs.mountpoint,
      args: input.plan.args,
      env: input.env,
      cwd: config.WorkingDir || '/',
      user,
      network: input.network,
      files: input.plan.files,
      signal: input.signal,
      onOutput: (chunk) => {
        const text = decoder.write(chunk);
        input.onOutput(text);
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line);
          if (tail.length > TAIL_LINES) tail.shift();
        }
      },
    });
    if (input.signal?.aborted) throw new BuildCancelledError();
    if (status.exitCode !== 0) {
      const last = [...tail];
      if (partial !== '') last.push(partial);
      if (status.error) last.push(status.error);
      throw new RunStepFailedError(input.plan.display, status.exitCode, last.slice(-TAIL_LINES));
    }
    await unmount();
    await dropMountPoints(fs.upperdir, before);
    return commitUpperDir(deps, fs.upperdir, parent);
  });
  return {
    runConfig: config,
    history: { created_by: input.plan.createdBy },
    ...(layer ? { layer } : {}),
  };
}
