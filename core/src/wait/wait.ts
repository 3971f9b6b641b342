import { AllWaitStrategy, AnyWaitStrategy, SequentialWaitStrategy } from './composite-wait-strategy.js';
import { HealthCheckWaitStrategy } from './health-check-wait-strategy.js';
import { HostPortWaitStrategy } from './host-port-wait-strategy.js';
import { HttpWaitStrategy } from './http-wait-strategy.js';
import { LogWaitStrategy } from './log-wait-strategy.js';
import { OneShotStartupWaitStrategy } from './one-shot-startup-wait-strategy.js';
import { ShellWaitStrategy } from './shell-wait-strategy.js';
import type { WaitStrategy } from './wait-strategy.js';

/** The wait strategies, by testcontainers' names, plus `forSequence` and `forAny`. */
export const Wait = {
  /** Every published TCP port (or the given ones) accepts connections from the host. */
  forListeningPorts: (...ports: (number | string)[]) =>
    new HostPortWaitStrategy(ports.length > 0 ? ports : undefined),
  forLogMessage: (message: string | RegExp, times = 1) => new LogWaitStrategy(message, times),
  forHealthCheck: () => new HealthCheckWaitStrategy(),
  forHttp: (path: string, port: number | string) => new HttpWaitStrategy(path, port),
  forSuccessfulCommand: (command: string) => new ShellWaitStrategy(command),
  forOneShotStartup: () => new OneShotStartupWaitStrategy(),
  /** In parallel; all must succeed. */
  forAll: (strategies: WaitStrategy[]) => new AllWaitStrategy(strategies),
  /** In order; all must succeed. */
  forSequence: (strategies: WaitStrategy[]) => new SequentialWaitStrategy(strategies),
  /** The first to succeed wins. */
  forAny: (strategies: WaitStrategy[]) => new AnyWaitStrategy(strategies),
} as const;
