import type { ContainerSummaryWire } from '../../api/wire/container-wire.js';
import { ApiEnvironmentEngine } from '../../compose/api-environment-engine.js';
import { EnvironmentNotFoundError } from '../../compose/compose-errors.js';
import { ComposeLabel } from '../../compose/compose-labels.js';
import { listEnvironments } from '../../compose/environment-list.js';
import { LogPrefixer } from '../../compose/log-prefixer.js';
import { locateProject } from '../../compose/project-locator.js';
import type { CliContext } from '../cli-context.js';
import { out } from '../output.js';
import { parseTimestampFlag, UsageError } from '../units.js';
import type { LogsFlags } from './logs.js';

export interface EnvironmentLogsFlags extends LogsFlags {
  projectName?: string;
  file: string[];
}

/**
 * `skiff logs`: one name without `-p`/`--file` that is a container's name → that container's log
 * (docker's `logs`). Otherwise the names are services of an environment — the one `-p` names, or the
 * compose file's, or the only environment that has them — and their logs are interleaved with
 * service prefixes (docker compose's `logs`); no name means every service. A name that is only a
 * prefix of a container ID (`db` may be one) means that container when no service has the name.
 */
export async function logsCommand(
  ctx: CliContext,
  names: string[],
  flags: EnvironmentLogsFlags,
): Promise<number> {
  const engine = new ApiEnvironmentEngine(ctx.client);
  const explicit = flags.projectName !== undefined || flags.file.length > 0;
  const single = !explicit && names.length === 1 ? names[0] : undefined;
  const container = single === undefined ? undefined : await engine.inspectContainer(single);
  const containerLogs = async () => (await import('./logs.js')).logs(ctx, single ?? '', flags);
  if (container && container.Name === `/${single}`) return containerLogs();
  let wanted: ContainerSummaryWire[];
  try {
    wanted = await serviceContainers(engine, names, flags);
  } catch (err) {
    const noSuchService = err instanceof UsageError || err instanceof EnvironmentNotFoundError;
    if (container && noSuchService) return containerLogs();
    throw err;
  }
  const prefixer = new LogPrefixer(
    wanted.map((c) => serviceOf(c.Labels)),
    out,
    process.stdout.isTTY === true,
  );
  await Promise.all(
    wanted.map(async (c) => {
      const info = await engine.inspectContainer(c.Id);
      await prefixer.follow(engine, serviceOf(c.Labels), c.Id, {
        follow: flags.follow === true,
        tty: info?.Config.Tty === true,
        tail: flags.tail,
        ...(flags.since ? { since: parseTimestampFlag(flags.since, '--since') } : {}),
        ...(flags.until ? { until: parseTimestampFlag(flags.until, '--until') } : {}),
        ...(flags.timestamps ? { timestamps: true } : {}),
      });
    }),
  );
  return 0;
}

const serviceOf = (labels: Record<string, string>) => labels[ComposeLabel.Service] ?? '';

/** The containers of the named services (all without names), ordered by service; errors name what is missing. */
async function serviceContainers(
  engine: ApiEnvironmentEngine,
  names: string[],
  flags: EnvironmentLogsFlags,
): Promise<ContainerSummaryWire[]> {
  let project = locateProject({
    files: flags.file,
    cwd: process.cwd(),
    env: process.env,
    ...(flags.projectName !== undefined ? { projectName: flags.projectName } : {}),
  });
  if (project === undefined) {
    if (names.length === 0)
      throw new UsageError('name a container, or services with -p NAME (see skiff ls)', 1);
    const owners = (await listEnvironments(engine)).filter((e) =>
      names.every((n) => e.services.some((s) => s.service === n)),
    );
    if (owners.length === 0) {
      throw new UsageError(`no container or environment service is named ${names.join(', ')}`, 1);
    }
    if (owners.length > 1) {
      throw new UsageError(
        `environments ${owners.map((e) => e.name).join(', ')} all have ${names.join(', ')}: choose one with -p NAME`,
        1,
      );
    }
    project = owners[0]?.name ?? '';
  }
  const containers = await engine.listContainers([`${ComposeLabel.Project}=${project}`], true);
  if (containers.length === 0) throw new EnvironmentNotFoundError(project);
  const known = [...new Set(containers.map((c) => serviceOf(c.Labels)))].sort();
  const missing = names.filter((n) => !known.includes(n));
  if (missing.length > 0) {
    throw new UsageError(
      `environment "${project}" has no service ${missing.join(', ')} (it has ${known.join(', ')})`,
      1,
    );
  }
  return containers
    .filter((c) => names.length === 0 || names.includes(serviceOf(c.Labels)))
    .sort((a, b) => serviceOf(a.Labels).localeCompare(serviceOf(b.Labels)));
}
