import type { BoundPorts } from '../container/bound-ports.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';
import type { Deadline } from '../util/deadline.js';

/** What a wait strategy may use. Strategies check from the host; none needs a shell in the image. */
export interface WaitContext {
  client: EngineClient;
  containerId: string;
  /** The address the test process reaches published ports on. */
  host: string;
  boundPorts: BoundPorts;
  /** The startup deadline shared by every step of `start()`. */
  deadline: Deadline;
  /** When the container (re)started: log waits count only output after it. */
  startedAt: Date;
  /** Aborted when the container exits, or a sibling strategy (forAny) won, or the deadline passed. */
  signal: AbortSignal;
  clock: Clock;
  logger: Logger;
}
