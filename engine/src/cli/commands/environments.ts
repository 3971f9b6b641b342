import { ApiEnvironmentEngine } from '../../compose/api-environment-engine.js';
import { listEnvironments } from '../../compose/environment-list.js';
import type { CliContext } from '../cli-context.js';
import { jsonLine, out } from '../output.js';
import { formatTable } from '../table.js';

export interface LsFlags {
  json?: boolean;
  quiet?: boolean;
}

/** `skiff ls`: every environment on the engine with its status, services and expiry. */
export async function listEnvironmentsCommand(ctx: CliContext, flags: LsFlags): Promise<number> {
  const envs = await listEnvironments(new ApiEnvironmentEngine(ctx.client));
  if (flags.json) {
    for (const e of envs) out(jsonLine(e));
    return 0;
  }
  if (flags.quiet) {
    out(envs.map((e) => `${e.name}\n`).join(''));
    return 0;
  }
  out(
    formatTable(
      ['NAME', 'STATUS', 'SERVICES', 'EXPIRES', 'CONFIG FILES'],
      envs.map((e) => [
        e.name,
        e.status,
        e.services.map((s) => `${s.service}:${s.state}`).join(',') || '-',
        e.expiresAt ?? '-',
        e.configFiles.join(',') || '-',
      ]),
    ),
  );
  return 0;
}
