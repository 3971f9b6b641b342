import { ConflictError } from '../errors.js';
import { buildExecProcess } from '../runtime/oci-spec.js';
import { resolveUser } from '../runtime/user-resolver.js';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-record.js';
import { isRunningStatus } from './container-service.js';
import type { ExecTarget } from './exec-manager.js';
import type { ProbeResult } from './health-monitor.js';
import { hostProcesses } from './process-port.js';
import { signalNumber } from './supervisor.js';

/** What the exec manager needs of a container: whether it runs, its readiness, and its OCI process as template. */
export function execTargetOf(ctx: ContainerContext, record: ContainerRecord): ExecTarget {
  const live = ctx.live.get(record.id);
  const running = !!live?.supervisor?.running && isRunningStatus(record.state.status);
  return {
    containerId: record.id,
    running,
    paused: record.state.status === 'paused',
    ready: () => live?.supervisor?.ready() ?? Promise.resolve(),
    buildProcess: async (input, tty, consoleSize) => {
      const oci = live?.oci;
      if (!oci || !live.rootfsPath) throw new ConflictError(`Container ${record.id} is not running`);
      const user = await resolveUser(live.rootfsPath, input.user || record.spec.user, record.spec.groupAdd);
      const facts = await ctx.hostFacts.get(false);
      return buildExecProcess(
        oci,
        {
          cmd: input.cmd,
          ...(input.env ? { env: input.env } : {}),
          ...(input.workingDir ? { workingDir: input.workingDir } : {}),
          user,
          tty,
          consoleSize,
          privileged: input.privileged ?? false,
        },
        facts,
      );
    },
  };
}

/** One healthcheck probe: an exec whose output is kept (first 8 KiB) and which is killed at the timeout. */
export async function runHealthProbe(
  ctx: ContainerContext,
  containerId: string,
  cmd: string[],
  timeoutMs: number,
): Promise<ProbeResult> {
  const record = ctx.store.get(containerId);
  if (!record) return { exitCode: -1, output: 'container is gone' };
  const target = execTargetOf(ctx, record);
  const execId = ctx.execs.create(target, { cmd, attachStdout: true, attachStderr: true });
  const session = await ctx.execs.start(execId, target, { detach: false });
  const chunks: Buffer[] = [];
  let size = 0;
  const reading = (async () => {
    for await (const c of session.output) {
      if (size < 8192) chunks.push(c.data);
      size += c.data.length;
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    session.exitCode.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    const pid = ctx.execs.get(execId).pid;
    if (pid > 0) {
      try {
        (ctx.deps.processes ?? hostProcesses).signal(pid, signalNumber('SIGKILL'));
      } catch {
        // Already gone.
      }
    }
    session.detach();
    return { exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` };
  }
  const exitCode = await session.exitCode;
  await reading;
  return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
}
