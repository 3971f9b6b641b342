import type { HealthConfig } from '../images/image-config.js';
import type { Logger } from '../logger.js';
import type { HealthLogEntry, HealthState } from './container-record.js';

/** moby `daemon/health.go` defaults and limits. */
export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
} as const;
export const HEALTH_MAX_OUTPUT = 4096;
export const HEALTH_MAX_LOG_ENTRIES = 5;

export interface ProbeResult {
  exitCode: number;
  output: string;
}

/** Runs the probe command in the container; must resolve with exit code -1 and a message on timeout. */
export type ProbeRunner = (containerId: string, cmd: string[], timeoutMs: number) => Promise<ProbeResult>;

export interface HealthMonitorOptions {
  runProbe: ProbeRunner;
  /** Called after every probe with the container's new health state; `changed` when the status moved. */
  onUpdate: (containerId: string, health: HealthState, changed: boolean) => void;
  logger: Logger;
  now?: () => Date;
}

/** The probe command: `CMD` args run as they are, `CMD-SHELL` through `/bin/sh -c`. */
export function probeCommand(test: readonly string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest.length > 0 ? rest : undefined;
  if (kind === 'CMD-SHELL') return rest.length > 0 ? ['/bin/sh', '-c', rest.join(' ')] : undefined;
  return undefined;
}

const nsToMs = (ns: number | undefined, fallback: number) =>
  ns && ns > 0 ? Math.max(1, Math.round(ns / 1e6)) : fallback;

interface Watch {
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

/**
 * Docker healthchecks for running containers. Each probe runs after the interval (the start
 * interval during the start period); failures inside the start period do not count while the
 * status is `starting`; `retries` consecutive failures make it `unhealthy`; one success makes it
 * `healthy`. The last five results are kept, their output capped at 4096 bytes.
 */
export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  private readonly now: () => Date;

  constructor(private readonly options: HealthMonitorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Starts probing; returns the initial state (`starting`). Any previous watch is replaced. */
  start(containerId: string, config: HealthConfig, previous?: HealthState): HealthState | undefined {
    this.stop(containerId);
    const cmd = probeCommand(config.Test ?? []);
    if (!cmd) return undefined;
    const intervalMs = nsToMs(config.Interval, HEALTH_DEFAULTS.intervalMs);
    const timeoutMs = nsToMs(config.Timeout, HEALTH_DEFAULTS.timeoutMs);
    const startPeriodMs = nsToMs(config.StartPeriod, HEALTH_DEFAULTS.startPeriodMs);
    const startIntervalMs = nsToMs(config.StartInterval, HEALTH_DEFAULTS.startIntervalMs);
    const retries = config.Retries && config.Retries > 0 ? config.Retries : HEALTH_DEFAULTS.retries;
    const state: HealthState = { status: 'starting', failingStreak: 0, log: previous?.log ?? [] };
    const startedAt = this.now().getTime();
    const watch: Watch = { timer: undefined, stopped: false };
    this.watches.set(containerId, watch);
    const inStartPeriod = () => this.now().getTime() - startedAt < startPeriodMs;

    const schedule = () => {
      if (watch.stopped) return;
      const delay = inStartPeriod() && state.status === 'starting' ? startIntervalMs : intervalMs;
      watch.timer = setTimeout(probe, delay);
      watch.timer.unref();
    };
    const probe = async () => {
      const start = this.now();
      let result: ProbeResult;
      try {
        result = await this.options.runProbe(containerId, cmd, timeoutMs);
      } catch (err: unknown) {
        result = { exitCode: -1, output: err instanceof Error ? err.message : String(err) };
      }
      if (watch.stopped) return;
      const entry: HealthLogEntry = {
        start: start.toISOString(),
        end: this.now().toISOString(),
        exitCode: result.exitCode,
        output: capOutput(result.output),
      };
      state.log = [...state.log, entry].slice(-HEALTH_MAX_LOG_ENTRIES);
      const before = state.status;
      if (result.exitCode === 0) {
        state.failingStreak = 0;
        state.status = 'healthy';
      } else if (!(state.status === 'starting' && inStartPeriod())) {
        state.failingStreak++;
        if (state.failingStreak >= retries) state.status = 'unhealthy';
      }
      this.options.onUpdate(containerId, { ...state, log: [...state.log] }, before !== state.status);
      schedule();
    };
    schedule();
    return { ...state, log: [...state.log] };
  }

  stop(containerId: string): void {
    const watch = this.watches.get(containerId);
    if (!watch) return;
    watch.stopped = true;
    clearTimeout(watch.timer);
    this.watches.delete(containerId);
  }

  stopAll(): void {
    for (const id of [...this.watches.keys()]) this.stop(id);
  }
}

function capOutput(output: string): string {
  const buf = Buffer.from(output, 'utf8');
  return buf.length <= HEALTH_MAX_OUTPUT ? output : buf.subarray(0, HEALTH_MAX_OUTPUT).toString('utf8');
}
