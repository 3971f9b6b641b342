import type { GenericContainer } from './generic-container.js';
import type { StartedGenericContainer } from './started-container.js';

/**
 * Starts independent containers in parallel (Java's `Startables.deepStart`, Go's
 * `ParallelContainers`). If any fails, the ones that started are stopped and the first error is
 * thrown, so a failed suite set-up leaves nothing running.
 */
export async function startAll<const T extends readonly GenericContainer[]>(
  containers: T,
): Promise<{ [K in keyof T]: StartedGenericContainer }> {
  const results = await Promise.allSettled(containers.map((c) => c.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(
      results.map((r) => (r.status === 'fulfilled' ? r.value.stop().catch(() => undefined) : undefined)),
    );
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<StartedGenericContainer>).value) as {
    [K in keyof T]: StartedGenericContainer;
  };
}
