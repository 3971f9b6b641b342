import { setTimeout as sleep } from 'node:timers/promises';
import { FrameDecoder } from '../api/protocol/multiplexed-stream.js';
import type { ContainerInspectWire } from '../api/wire/container-wire.js';
import { ServiceStartError } from './compose-errors.js';
import type { DependsCondition } from './compose-model.js';
import type { EnvironmentEngine } from './environment-engine.js';

/** What `up` waits for: a dependency condition, or `ready` (healthy when there is a healthcheck, else running) for `--wait`. */
export type Readiness = DependsCondition | 'ready';

/** What was reached: a healthcheck passed, the container runs (no healthcheck), or it exited 0. */
export type Reached = 'started' | 'healthy' | 'running' | 'completed';

export interface ReadinessOptions {
  pollMs: number;
  signal?: AbortSignal;
  /** Lines of the log to put in an error. */
  logLines?: number;
}

/** The last lines of a container's log (stdout and stderr interleaved), for error messages. */
export async function logTail(
  engine: EnvironmentEngine,
  id: string,
  lines: number,
  tty: boolean,
): Promise<string> {
  try {
    const stream = await engine.containerLogs(id, { follow: false, tail: String(lines) });
    const decoder = tty ? undefined : new FrameDecoder();
    let text = '';
    for await (const chunk of stream) {
      if (!decoder) text += (chunk as Buffer).toString('utf8');
      else for (const f of decoder.push(chunk as Buffer)) text += f.payload.toString('utf8');
    }
    return text;
  } catch {
    return '';
  }
}

function hasHealthcheck(info: ContainerInspectWire): boolean {
  const test = info.Config.Healthcheck?.Test;
  return test !== undefined && test.length > 0 && test[0] !== 'NONE';
}

/**
 * Waits until the service's container meets `readiness`, polling its state. Fails — with the
 * exit code, the last health check output and the end of the log — as soon as it cannot happen
 * any more: the container exited (or exited non-zero, for completion), went unhealthy, keeps
 * restarting, or has no healthcheck to be healthy by.
 */
export async function waitUntil(
  engine: EnvironmentEngine,
  service: string,
  id: string,
  readiness: Readiness,
  options: ReadinessOptions,
): Promise<Reached> {
  if (readiness === 'service_started') return 'started';
  const fail = async (info: ContainerInspectWire, reason: string): Promise<never> => {
    throw new ServiceStartError(
      service,
      reason,
      await logTail(engine, id, options.logLines ?? 20, info.Config.Tty === true),
    );
  };
  for (;;) {
    options.signal?.throwIfAborted();
    const info = await engine.inspectContainer(id);
    if (!info) throw new ServiceStartError(service, 'was removed while the environment was starting');
    const state = info.State;
    const exited = !state.Running && !state.Restarting && state.Status !== 'created';
    const healthcheck = hasHealthcheck(info);
    if (readiness === 'service_completed_successfully') {
      if (exited) {
        if (state.ExitCode === 0) return 'completed';
        await fail(
          info,
          `exited with code ${state.ExitCode}, but services depend on it completing successfully`,
        );
      }
    } else {
      const wantHealthy = readiness === 'service_healthy' || (readiness === 'ready' && healthcheck);
      if (readiness === 'service_healthy' && !healthcheck) {
        await fail(
          info,
          'has no healthcheck, so nothing can wait for it to be healthy: add a healthcheck to it, or depend on it with condition: service_started',
        );
      }
      if (state.Restarting) await fail(info, `keeps restarting (last exit code ${state.ExitCode})`);
      if (exited) {
        if (readiness === 'ready' && !wantHealthy && state.ExitCode === 0) return 'completed';
        await fail(
          info,
          `exited with code ${state.ExitCode}${state.OOMKilled ? ' (killed: out of memory)' : ''}`,
        );
      }
      if (!wantHealthy && state.Running) return 'running';
      const health = state.Health;
      if (health?.Status === 'healthy') return 'healthy';
      if (health?.Status === 'unhealthy') {
        const last = health.Log.at(-1);
        await fail(
          info,
          `is unhealthy after ${health.FailingStreak} failed checks${last ? ` (last check exit code ${last.ExitCode}: ${last.Output.trim() || 'no output'})` : ''}`,
        );
      }
    }
    await sleep(options.pollMs, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}
