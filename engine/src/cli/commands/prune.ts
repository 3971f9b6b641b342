import { hostname } from 'node:os';
import { ApiEnvironmentEngine } from '../../compose/api-environment-engine.js';
import { findPrunable, removePrunable } from '../../compose/environment-prune.js';
import type { CliContext } from '../cli-context.js';
import { err, out } from '../output.js';
import { confirm } from '../prompt.js';

export interface PruneFlags {
  sessions?: boolean;
  environments?: boolean;
  force?: boolean;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `skiff prune [--sessions] [--environments] [-f]`: removes the leftovers of dead sessions and of
 * environments that are stopped, expired or reduced to networks and volumes (both when neither
 * flag is given). Lists what it will remove and asks first unless `-f`.
 */
export async function prune(ctx: CliContext, flags: PruneFlags): Promise<number> {
  const both = !flags.sessions && !flags.environments;
  const engine = new ApiEnvironmentEngine(ctx.client);
  const candidates = await findPrunable(
    engine,
    { sessions: both || flags.sessions === true, environments: both || flags.environments === true },
    { hostname: hostname(), now: new Date(), isAlive },
  );
  if (candidates.length === 0) {
    out('Nothing to remove\n');
    return 0;
  }
  if (!flags.force) {
    err('WARNING! This will remove:');
    for (const c of candidates) err(`  - ${c.kind} ${c.name} (${c.reason})`);
    if (!(await confirm('Are you sure you want to continue?', process.stderr))) {
      err('skiff: nothing was removed');
      return 1;
    }
  }
  let failed = 0;
  await removePrunable(
    engine,
    candidates,
    (c) => out(`Deleted ${c.kind}: ${c.name}\n`),
    (c, e) => {
      failed++;
      err(`skiff: could not remove ${c.kind} ${c.name}: ${e instanceof Error ? e.message : String(e)}`);
    },
  );
  return failed > 0 ? 1 : 0;
}
