import { InvalidArgumentError } from '../errors.js';
import type { RestartPolicy } from './container-spec.js';

/** moby `restartmanager`: the first delay, its growth, its cap, and the run time that resets it. */
export const RESTART_INITIAL_DELAY_MS = 100;
export const RESTART_MAX_DELAY_MS = 60_000;
export const RESTART_RESET_AFTER_MS = 10_000;

/** Parses the CLI form: `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const [name = '', count] = text.split(':');
  if (name === '' || name === 'no') return { name: 'no', maximumRetryCount: 0 };
  if (name === 'always' || name === 'unless-stopped') {
    if (count !== undefined) {
      throw new InvalidArgumentError(`maximum retry count cannot be used with restart policy '${name}'`);
    }
    return { name, maximumRetryCount: 0 };
  }
  if (name === 'on-failure') {
    const n = count === undefined ? 0 : Number(count);
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(
        `invalid restart policy ${JSON.stringify(text)}: the retry count must be a non-negative integer`,
      );
    }
    return { name, maximumRetryCount: n };
  }
  throw new InvalidArgumentError(
    `invalid restart policy ${JSON.stringify(text)}: use no, always, unless-stopped or on-failure[:N]`,
  );
}

export interface ExitFacts {
  exitCode: number;
  /** Restarts already done since the last manual start. */
  restartCount: number;
  /** The user stopped or killed it: no policy restarts it (moby's HasBeenManuallyStopped). */
  manuallyStopped: boolean;
  /** How long this run lasted. */
  ranForMs: number;
}

/**
 * Decides, after each exit, whether the container restarts and after what delay. The delay
 * starts at 100 ms and doubles per restart up to one minute; a run of ten seconds or more
 * resets it (moby `restartmanager.ShouldRestart`). One instance per container.
 */
export class RestartBackoff {
  private delayMs = 0;

  decide(policy: RestartPolicy, facts: ExitFacts): { restart: boolean; delayMs: number } {
    if (!shouldRestart(policy, facts)) {
      this.delayMs = 0;
      return { restart: false, delayMs: 0 };
    }
    if (facts.ranForMs >= RESTART_RESET_AFTER_MS || this.delayMs === 0)
      this.delayMs = RESTART_INITIAL_DELAY_MS;
    else this.delayMs = Math.min(this.delayMs * 2, RESTART_MAX_DELAY_MS);
    return { restart: true, delayMs: this.delayMs };
  }

  reset(): void {
    this.delayMs = 0;
  }
}

export function shouldRestart(policy: RestartPolicy, facts: ExitFacts): boolean {
  if (facts.manuallyStopped) return false;
  switch (policy.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return (
        facts.exitCode !== 0 &&
        (policy.maximumRetryCount === 0 || facts.restartCount < policy.maximumRetryCount)
      );
    default:
      return false;
  }
}
