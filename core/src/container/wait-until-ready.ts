import { inspectContainer, waitForExit } from '../engine/containers-api.js';
import { ContainerExitedError } from '../errors.js';
import type { SkiffRuntime } from '../runtime/skiff-runtime.js';
import type { Deadline } from '../util/deadline.js';
import type { WaitStrategy } from '../wait/wait-strategy.js';
import type { BoundPorts } from './bound-ports.js';

/**
 * Runs `strategy` against a started container, inside the shared deadline. A container that exits
 * meanwhile ends the wait at once with its exit code (one long-poll `wait` request, no polling),
 * except for strategies that expect an exit.
 */
export async function waitUntilReady(
  runtime: SkiffRuntime,
  containerId: string,
  strategy: WaitStrategy,
  boundPorts: BoundPorts,
  deadline: Deadline,
  startedAt: Date,
): Promise<void> {
  const controller = new AbortController();
  const watch = new AbortController();
  if (!strategy.expectsExit) {
    waitForExit(runtime.client, containerId, watch.signal).then(
      async (exit) => {
        const oom = await inspectContainer(runtime.client, containerId)
          .then((i) => i.State.OOMKilled)
          .catch(() => false);
        controller.abort(new ContainerExitedError(exit.StatusCode, oom));
      },
      () => undefined,
    );
  }
  try {
    await strategy.waitUntilReady({
      client: runtime.client,
      containerId,
      host: runtime.host,
      boundPorts,
      deadline: deadline.narrow(strategy.startupTimeoutMs),
      startedAt,
      signal: controller.signal,
      clock: runtime.clock,
      logger: runtime.logger.child({ container: containerId.slice(0, 12) }),
    });
  } catch (err) {
    // A strategy interrupted by the exit watcher reports the exit, not the abort.
    if (controller.signal.aborted) throw controller.signal.reason;
    // A strategy that failed because the container died (its log stream ended, its port closed)
    // reports the exit too: that is the cause worth reading.
    if (!strategy.expectsExit) {
      const state = await inspectContainer(runtime.client, containerId)
        .then((i) => i.State)
        .catch(() => undefined);
      if (state && !state.Running && (state.Status === 'exited' || state.Status === 'dead')) {
        throw new ContainerExitedError(state.ExitCode, state.OOMKilled);
      }
    }
    throw err;
  } finally {
    watch.abort();
  }
}
