import type { DiscoveryOptions } from '../engine/discover-engine.js';
import type { ImageSubstitutionOptions } from '../images/image-substitutor.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../util/clock.js';

/** Everything a runtime can be told; all optional, the environment fills the rest. */
export interface RuntimeOptions extends DiscoveryOptions {
  logger?: Logger;
  clock?: Clock;
  /** The address tests use to reach published ports (`SKIFF_HOST_OVERRIDE`). */
  hostOverride?: string;
  /** Keep containers that fail to start, for inspection (`SKIFF_KEEP_ON_FAILURE=1`). */
  keepOnFailure?: boolean;
  images?: ImageSubstitutionOptions;
  /** Network for containers that name none (`SKIFF_DEFAULT_NETWORK`); the engine's default otherwise. */
  defaultNetwork?: string;
  /** How long after this process dies its resources are removed (`SKIFF_SESSION_GRACE_MS`). */
  sessionGraceMs?: number;
  /** Install SIGINT/SIGTERM handlers that remove this session's resources at once (default true). */
  handleSignals?: boolean;
  /** Where cross-process lock files go (`SKIFF_LOCK_DIR`). */
  lockDir?: string;
  /** Session cleanup: the engine's protocol where it has one (default), a reaper process, or nothing. */
  sessions?: 'auto' | 'reaper' | 'none';
}
