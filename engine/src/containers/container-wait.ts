import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus, type WaitCondition, type WaitResult } from './container-service.js';

/**
 * `POST /containers/{id}/wait` (docker-engine-api.md §2.5): `not-running` answers at once for a
 * container that does not run, `next-exit` waits for the exit after the call, `removed` for the
 * removal. The listener is registered before this returns, so an exit right after cannot be
 * missed; aborting (the client went away) removes it.
 */
export function waitForContainer(
  ctx: ContainerContext,
  record: ContainerRecord,
  condition: WaitCondition,
  signal?: AbortSignal,
): Promise<WaitResult> {
  const result = (): WaitResult => ({
    statusCode: record.state.exitCode,
    ...(record.state.error ? { error: record.state.error } : {}),
  });
  if (condition === 'not-running' && !isRunningStatus(record.state.status)) return Promise.resolve(result());
  const event = condition === 'removed' ? `removed:${record.id}` : `exit:${record.id}`;
  return new Promise<WaitResult>((resolve, reject) => {
    const onEvent = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(result());
    };
    const onAbort = () => {
      ctx.waiters.off(event, onEvent);
      reject(signal?.reason ?? new Error('wait aborted'));
    };
    if (signal?.aborted) return onAbort();
    ctx.waiters.once(event, onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
