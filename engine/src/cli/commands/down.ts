import { ApiEnvironmentEngine } from '../../compose/api-environment-engine.js';
import { EnvironmentNotFoundError } from '../../compose/compose-errors.js';
import { downEnvironment } from '../../compose/environment-down.js';
import { locateProject } from '../../compose/project-locator.js';
import type { CliContext } from '../cli-context.js';
import { err } from '../output.js';
import { parseIntFlag, UsageError } from '../units.js';

export interface DownFlags {
  file: string[];
  projectName?: string;
  volumes?: boolean;
  timeout?: string;
}

/**
 * `skiff down [-p NAME | -f FILE…] [-v] [-t SECONDS]`: removes the environment's containers and
 * networks (and with `-v` its named volumes). The environment is found by its labels, so the
 * compose file is needed only to know the project's name.
 */
export async function down(ctx: CliContext, flags: DownFlags): Promise<number> {
  const project = locateProject({
    files: flags.file,
    cwd: process.cwd(),
    env: process.env,
    ...(flags.projectName !== undefined ? { projectName: flags.projectName } : {}),
  });
  if (project === undefined) {
    throw new UsageError(
      'no compose file here: name the environment with -p NAME (see skiff ls) or pass -f FILE',
      1,
    );
  }
  const timeout = flags.timeout !== undefined ? parseIntFlag(flags.timeout, '--timeout') : undefined;
  const engine = new ApiEnvironmentEngine(ctx.client);
  const result = await downEnvironment({
    engine,
    project,
    volumes: flags.volumes === true,
    ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    report: (e) => {
      if (e.kind === 'warning') err(`skiff: warning: ${e.message}`);
      else if (e.action === 'removed') err(`[-] ${e.kind} ${e.name}: removed`);
      else err(`[-] ${e.kind} ${e.name}: ${e.action}`);
    },
  });
  if (result.containers + result.networks + result.volumes === 0 && result.keptVolumes.length === 0) {
    throw new EnvironmentNotFoundError(project);
  }
  if (result.keptVolumes.length > 0) {
    err(`skiff: kept volumes ${result.keptVolumes.join(', ')} (skiff down -v removes them)`);
  }
  return 0;
}
