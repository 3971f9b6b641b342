import type { Logger } from '../logger.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * On SIGINT/SIGTERM/SIGHUP, removes what `cleanup` can within `budgetMs`, then lets the signal take
 * its course: when no other handler is installed, it is re-raised so the process ends as it would
 * have. Returns a function that uninstalls the handlers.
 */
export function installSignalCleanup(
  cleanup: () => Promise<void>,
  logger: Logger,
  budgetMs = 3_000,
): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const uninstall = () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
  for (const signal of SIGNALS) {
    const handler = () => {
      uninstall();
      logger.warn({ signal }, "signal received: removing this session's resources");
      const timer = new Promise<void>((resolve) => setTimeout(resolve, budgetMs).unref());
      void Promise.race([cleanup().catch(() => undefined), timer]).finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return uninstall;
}
