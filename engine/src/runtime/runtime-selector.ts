import type { RuntimeName } from '../config.js';
import { HostUnsupportedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OciRuntime } from './oci-runtime.js';
import type { HostFacts } from './oci-spec.js';
import { runTrialContainer, type TrialResult } from './trial-container.js';

export interface RuntimeChoice {
  runtime: OciRuntime;
  /** Why this runtime: shown by `skiff doctor` and logged at start. */
  reason: string;
  trials: Partial<Record<RuntimeName, TrialResult>>;
}

export interface SelectRuntimeOptions {
  /** SKIFF_RUNTIME, when set: used without a fallback. */
  preferred: RuntimeName | undefined;
  scratchDir: string;
  engineName: string;
  host: HostFacts;
  logger: Logger;
  /** Builds a driver for a runtime (rejects when its binary is missing). */
  create: (name: RuntimeName) => Promise<OciRuntime>;
}

/**
 * Picks crun when a trial container runs with it, runc otherwise; SKIFF_RUNTIME overrides (and
 * is still trialled, so a broken choice fails loudly at start instead of at the first container).
 */
export async function selectRuntime(options: SelectRuntimeOptions): Promise<RuntimeChoice> {
  const trials: Partial<Record<RuntimeName, TrialResult>> = {};
  const attempt = async (name: RuntimeName): Promise<OciRuntime | undefined> => {
    let runtime: OciRuntime;
    try {
      runtime = await options.create(name);
    } catch (err: unknown) {
      trials[name] = {
        ok: false,
        ms: 0,
        detail: `${name} is not usable: ${err instanceof Error ? err.message : String(err)}`,
      };
      return undefined;
    }
    trials[name] = await runTrialContainer(runtime, options);
    options.logger.debug({ runtime: name, trial: trials[name] }, 'runtime trial');
    return trials[name]?.ok ? runtime : undefined;
  };

  if (options.preferred) {
    const runtime = await attempt(options.preferred);
    if (!runtime) {
      throw new HostUnsupportedError(
        `SKIFF_RUNTIME=${options.preferred} cannot run containers here: ${trials[options.preferred]?.detail}`,
      );
    }
    return {
      runtime,
      reason: `SKIFF_RUNTIME=${options.preferred} (${runtime.name} ${runtime.version})`,
      trials,
    };
  }
  const crun = await attempt('crun');
  if (crun) return { runtime: crun, reason: `crun ${crun.version}: ${trials.crun?.detail}`, trials };
  const runc = await attempt('runc');
  if (runc) {
    return {
      runtime: runc,
      reason: `runc ${runc.version}, because crun failed: ${trials.crun?.detail}`,
      trials,
    };
  }
  throw new HostUnsupportedError(
    `no OCI runtime works on this host: crun: ${trials.crun?.detail}; runc: ${trials.runc?.detail}. Run \`skiff doctor\``,
  );
}
