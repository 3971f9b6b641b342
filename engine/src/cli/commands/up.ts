import { hostname } from 'node:os';
import { ApiEnvironmentEngine } from '../../compose/api-environment-engine.js';
import { ComposeLabel } from '../../compose/compose-labels.js';
import { loadComposeProject } from '../../compose/compose-loader.js';
import { planEnvironment } from '../../compose/compose-planner.js';
import { downEnvironment } from '../../compose/environment-down.js';
import type { SessionHold } from '../../compose/environment-engine.js';
import { type StartedService, type UpEvent, upEnvironment } from '../../compose/environment-up.js';
import { LogPrefixer } from '../../compose/log-prefixer.js';
import { MAX_TTL_MS } from '../../daemon/session-registry.js';
import type { CliContext } from '../cli-context.js';
import { err, jsonLine, out } from '../output.js';
import { formatTable } from '../table.js';
import { parseDurationNs, UsageError } from '../units.js';

export interface UpFlags {
  file: string[];
  projectName?: string;
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  ttl?: string;
  build?: boolean;
  profile: string[];
  json?: boolean;
}

function durationMs(text: string, flag: string): number {
  const ms = parseDurationNs(text, flag) / 1e6;
  if (ms <= 0) throw new UsageError(`${flag} must be longer than 0 (e.g. 30m, 2h)`, 1);
  return ms;
}

/** Progress on stderr, one line per step; stdout stays for the URLs (and the logs in the foreground). */
function progressLine(e: UpEvent): string | undefined {
  switch (e.kind) {
    case 'warning':
      return `skiff: warning: ${e.message}`;
    case 'image':
      return `[+] image ${e.image} (${e.service}): ${e.action}`;
    case 'progress': {
      const s = e.message.stream;
      return s?.startsWith('Step ') ? `    ${e.service}: ${s.trimEnd()}` : undefined;
    }
    case 'network':
    case 'volume':
      return `[+] ${e.kind} ${e.name}: ${e.action}`;
    case 'container':
      return `[+] container ${e.name}: ${e.action}${e.detail ? ` (${e.detail.replace(/_/g, ' ')})` : ''}`;
  }
}

function printEndpoints(started: StartedService[], json: boolean): void {
  if (json) {
    out(jsonLine(started));
    return;
  }
  const rows = started.flatMap((s) =>
    s.endpoints.length === 0
      ? [[s.service, '(no published ports)']]
      : s.endpoints.map((e) => [s.service, e.url]),
  );
  out(formatTable(['SERVICE', 'URL'], rows));
}

/**
 * `skiff up [-f FILE…] [-p NAME] [-d] [--wait] [--ttl D] [--build] [--profile P…] [SERVICE…]`.
 *
 * In the foreground the environment is throwaway: it belongs to an engine session held open by
 * this process, the logs are followed with service prefixes, and Ctrl-C/SIGTERM (or every
 * container ending) runs `down -v`; if this process is killed outright the engine reaps the
 * session after its grace period. With `-d` it stays until `skiff down`, or with `--ttl` until the
 * engine's session timer ends it, whether or not the CLI is still around.
 */
export async function up(ctx: CliContext, services: string[], flags: UpFlags): Promise<number> {
  const env = process.env;
  const project = loadComposeProject({
    files: flags.file,
    cwd: process.cwd(),
    env,
    ...(flags.projectName !== undefined ? { projectName: flags.projectName } : {}),
  });
  for (const w of project.warnings) err(`skiff: warning: ${w}`);
  const ttlMs = flags.ttl !== undefined ? durationMs(flags.ttl, '--ttl') : undefined;
  if (ttlMs !== undefined && ttlMs > MAX_TTL_MS)
    throw new UsageError('--ttl can be at most 24 days (576h)', 1);
  const waitTimeoutMs =
    flags.waitTimeout !== undefined ? durationMs(flags.waitTimeout, '--wait-timeout') : undefined;
  const profiles = [...flags.profile, ...(env.COMPOSE_PROFILES?.split(',').filter((p) => p !== '') ?? [])];
  planEnvironment(project, { services, profiles }); // unknown SERVICE names fail before the engine is touched

  const engine = new ApiEnvironmentEngine(ctx.client);
  const foreground = !flags.detach;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      err('skiff: interrupted again: exiting now; the engine removes the environment when its session ends');
      process.exit(130);
    }
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let session: { id: string; expiresAt?: Date } | undefined;
  let hold: SessionHold | undefined;
  if (foreground || ttlMs !== undefined) {
    if (await engine.supportsSessions()) {
      const created = await engine.createSession({
        labels: {
          [ComposeLabel.Environment]: project.name,
          'dev.skiff.session.pid': String(process.pid),
          'dev.skiff.session.host': hostname(),
        },
        ...(ttlMs !== undefined ? { ttlMs } : {}),
      });
      session = { id: created.id };
      if (ttlMs !== undefined) session.expiresAt = new Date(Date.now() + ttlMs);
      if (foreground) hold = await engine.holdSession(created.id);
    } else if (ttlMs !== undefined) {
      throw new UsageError('--ttl needs an engine with Skiff sessions (skiffd); this engine has none', 1);
    } else {
      err(
        'skiff: warning: this engine has no Skiff sessions: if this process is killed, run skiff down yourself',
      );
    }
  }

  const plan = planEnvironment(project, { services, profiles, ...(session ? { session } : {}) });
  const logs = new LogPrefixer(Object.keys(plan.services), out, process.stdout.isTTY === true);
  const followers: Promise<void>[] = [];
  const stopLogs = new AbortController();
  const upSignal =
    waitTimeoutMs !== undefined
      ? AbortSignal.any([stop.signal, AbortSignal.timeout(waitTimeoutMs)])
      : stop.signal;
  const report = (e: UpEvent) => {
    const line = progressLine(e);
    if (line) err(line);
  };

  let started: StartedService[];
  try {
    started = await upEnvironment({
      engine,
      plan,
      build: flags.build === true,
      wait: flags.wait === true,
      signal: upSignal,
      report,
      ...(foreground
        ? {
            onStarted: (service: string, id: string, tty: boolean) => {
              followers.push(
                logs
                  .follow(engine, service, id, { follow: true, tty, signal: stopLogs.signal })
                  .catch((e: unknown) =>
                    err(`skiff: logs of ${service}: ${e instanceof Error ? e.message : String(e)}`),
                  ),
              );
            },
          }
        : {}),
    });
  } catch (e: unknown) {
    stopLogs.abort();
    if (session) await engine.deleteSession(session.id).catch(() => {});
    hold?.release();
    if (stop.signal.aborted) {
      err('skiff: interrupted: what was started has been removed');
      return 130;
    }
    if (upSignal.aborted) {
      err(
        `skiff: the services were not ready within ${flags.waitTimeout}; what was started has been removed`,
      );
      return 1;
    }
    throw e;
  }

  printEndpoints(started, flags.json === true);
  if (!foreground) {
    if (session?.expiresAt)
      err(`skiff: environment "${project.name}" removes itself at ${session.expiresAt.toISOString()}`);
    else err(`skiff: environment "${project.name}" is up; skiff down -p ${project.name} removes it`);
    return 0;
  }

  err(`skiff: following the logs; Ctrl-C stops and removes environment "${project.name}"`);
  const ended = Promise.all(followers).then(() => 'ended' as const);
  const interrupted = new Promise<'signal'>((resolve) => {
    if (stop.signal.aborted) resolve('signal');
    stop.signal.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const why = await Promise.race([ended, interrupted]);
  stopLogs.abort();
  err(
    why === 'signal'
      ? `skiff: stopping environment "${project.name}"…`
      : 'skiff: every container has ended; removing the environment',
  );
  await downEnvironment({
    engine,
    project: project.name,
    volumes: true,
    report: (e) => {
      if (e.kind === 'warning') err(`skiff: warning: ${e.message}`);
      else if (e.action === 'removed') err(`[-] ${e.kind} ${e.name}: removed`);
    },
  });
  hold?.release();
  if (why === 'ended') return 0;
  return stop.signal.reason === 'SIGTERM' ? 143 : 130;
}
