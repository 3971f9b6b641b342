import { FAILURE_LOG_LINES } from '../constants.js';
import { containerLogs, inspectContainer } from '../engine/containers-api.js';
import { collectStdio } from '../engine/demux-stream.js';
import {
  ContainerExitedError,
  ContainerStartError,
  errorMessage,
  type StartFailureDetails,
  WaitTimeoutError,
} from '../errors.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';

/** Commands that reach a kept container, in the CLI of the engine that runs it. */
export function inspectHint(runtime: SkiffRuntime, id: string): string {
  const short = id.slice(0, 12);
  const cli =
    runtime.engineKind === 'skiff'
      ? 'skiff'
      : `docker -H ${runtime.explanation.endpoint.replace(/ \(TLS\)$/, '')}`;
  return [
    `kept container ${short} for inspection (SKIFF_KEEP_ON_FAILURE=1):`,
    `  ${cli} logs ${short}`,
    `  ${cli} inspect ${short}`,
    `  ${cli} exec -it ${short} sh`,
    `  ${cli} rm -f ${short}    # when done`,
  ].join('\n');
}

/** Gathers what is known about a failed container: state, health log, the last log lines. */
export async function collectFailure(
  runtime: SkiffRuntime,
  image: string,
  id: string | undefined,
  strategy: WaitStrategy | undefined,
  kept: boolean,
): Promise<StartFailureDetails> {
  const details: StartFailureDetails = {
    containerId: id,
    containerName: undefined,
    image,
    strategy: strategy?.describe(),
    lastSeen: strategy?.lastSeen(),
    exitCode: undefined,
    oomKilled: undefined,
    status: undefined,
    healthStatus: undefined,
    healthLog: [],
    logTail: [],
    kept,
    inspectHint: kept && id ? inspectHint(runtime, id) : undefined,
  };
  if (!id) return details;
  try {
    const inspect = await inspectContainer(runtime.client, id);
    details.containerName = inspect.Name.replace(/^\//, '');
    details.status = inspect.State.Status;
    details.oomKilled = inspect.State.OOMKilled;
    if (!inspect.State.Running && inspect.State.Status !== 'created')
      details.exitCode = inspect.State.ExitCode;
    details.healthStatus = inspect.State.Health?.Status;
    details.healthLog = (inspect.State.Health?.Log ?? []).map(
      (h) => `exit ${h.ExitCode}: ${h.Output.trim().slice(0, 300)}`,
    );
  } catch {
    // Gone already (AutoRemove, or removed by someone else): report what we have.
  }
  try {
    const body = await containerLogs(runtime.client, id, { tail: FAILURE_LOG_LINES, follow: false });
    const { output } = await collectStdio(body);
    details.logTail = output
      .split('\n')
      .filter((l, i, all) => l.length > 0 || i < all.length - 1)
      .slice(-FAILURE_LOG_LINES);
  } catch {
    // No logs to show.
  }
  return details;
}

export function startFailureError(details: StartFailureDetails, cause: unknown): ContainerStartError {
  const name = details.containerId ? ` ${details.containerName ?? details.containerId.slice(0, 12)}` : '';
  const lines = [`container${name} (${details.image}) failed to start: ${errorMessage(cause)}`];
  if (details.strategy) lines.push(`wait strategy: ${details.strategy}`);
  if (details.lastSeen && !(cause instanceof WaitTimeoutError)) lines.push(`last saw: ${details.lastSeen}`);
  if (details.status) lines.push(`status: ${details.status}`);
  if (details.exitCode !== undefined) lines.push(`exit code: ${details.exitCode}`);
  if (details.oomKilled || (cause instanceof ContainerExitedError && cause.oomKilled))
    lines.push('OOM killed: yes');
  if (details.healthStatus) {
    lines.push(`health: ${details.healthStatus}`);
    for (const h of details.healthLog.slice(-5)) lines.push(`  ${h}`);
  }
  if (details.logTail.length > 0) {
    lines.push(`--- last ${details.logTail.length} log lines ---`, ...details.logTail, '--- end of logs ---');
  } else if (details.containerId) {
    lines.push('(the container wrote no logs)');
  }
  if (details.inspectHint) lines.push(details.inspectHint);
  return new ContainerStartError(lines.join('\n'), details, { cause });
}
