import { ConflictError } from '../errors.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import type { StdioSession } from './container-service.js';

/**
 * `POST /containers/{id}/attach`: a session on the container's live stdio (subscribed now, so
 * output right after a following start is kept), with the log history first when `logs`.
 * A paused container refuses, as moby does.
 */
export async function attachToContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
  options: { stdin: boolean; stdout: boolean; stderr: boolean; logs: boolean; stream: boolean },
): Promise<StdioSession> {
  if (record.state.status === 'paused') {
    throw new ConflictError('You cannot attach to a paused container, unpause it first');
  }
  const replay =
    options.logs && record.spec.logDriver !== 'none'
      ? ctx.logs.read(record.id, record.logPath, {
          stdout: options.stdout,
          stderr: options.stderr,
          follow: false,
        })
      : undefined;
  return ctx.liveOf(record).stdio.attach({
    stdin: options.stdin && record.spec.openStdin,
    stdout: options.stdout,
    stderr: options.stderr,
    stream: options.stream,
    ...(replay ? { replay } : {}),
  });
}
