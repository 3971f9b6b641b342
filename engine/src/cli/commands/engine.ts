import { socketAnswers } from '../../api/unix-socket.js';
import type { CliContext } from '../cli-context.js';
import { startDaemon } from '../daemon-launcher.js';
import { jsonLine, out } from '../output.js';
import { parseIntFlag } from '../units.js';

interface EngineInfo {
  pid: number | undefined;
  version: string;
  containers: number;
  runningContainers: number;
}

async function engineInfo(ctx: CliContext): Promise<EngineInfo | undefined> {
  if (!(await socketAnswers(ctx.socketPath, 500))) return undefined;
  const info = await ctx.client.json<{
    Labels: string[];
    ServerVersion: string;
    Containers: number;
    ContainersRunning: number;
  }>('GET', '/info');
  const pidLabel = info.Labels.find((l) => l.startsWith('dev.skiff.pid='));
  return {
    pid: pidLabel ? Number(pidLabel.slice('dev.skiff.pid='.length)) : undefined,
    version: info.ServerVersion,
    containers: info.Containers,
    runningContainers: info.ContainersRunning,
  };
}

export async function engineStart(ctx: CliContext, flags: { foreground?: boolean }): Promise<number> {
  if (flags.foreground) {
    const { runDaemon } = await import('../../daemon/main.js');
    return runDaemon(['--foreground']);
  }
  const running = await engineInfo(ctx);
  if (running) {
    out(`skiffd is already running (pid ${running.pid ?? '?'}) on unix://${ctx.socketPath}\n`);
    return 0;
  }
  const pid = await startDaemon({ socketPath: ctx.socketPath, stateDir: ctx.stateDir });
  out(`skiffd started (pid ${pid ?? '?'}) on unix://${ctx.socketPath}; logs in ${ctx.stateDir}\n`);
  return 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM to the daemon behind the socket and waits for it to exit. */
export async function engineStop(ctx: CliContext, flags: { timeout: string }): Promise<number> {
  const running = await engineInfo(ctx);
  if (!running) {
    out(`no engine answers on unix://${ctx.socketPath}\n`);
    return 0;
  }
  if (running.pid === undefined) {
    process.stderr.write('skiff: the engine did not report its pid; stop it with its service manager\n');
    return 1;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + parseIntFlag(flags.timeout, '--timeout') * 1000;
  while (Date.now() < deadline) {
    if (!alive(running.pid)) {
      out(`skiffd (pid ${running.pid}) stopped\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stderr.write(`skiff: skiffd (pid ${running.pid}) is still running after ${flags.timeout}s\n`);
  return 1;
}

/** Exit code 0 when the engine answers, 3 when it does not (systemctl's convention). */
export async function engineStatus(ctx: CliContext, flags: { json?: boolean }): Promise<number> {
  const running = await engineInfo(ctx);
  const status = running
    ? { running: true, socket: ctx.socketPath, stateDir: ctx.stateDir, ...running }
    : { running: false, socket: ctx.socketPath, stateDir: ctx.stateDir };
  if (flags.json) out(jsonLine(status));
  else if (running) {
    out(
      `skiffd is running (pid ${running.pid ?? '?'}, version ${running.version}) on unix://${ctx.socketPath}\n` +
        `containers: ${running.containers} (${running.runningContainers} running); state in ${ctx.stateDir}\n`,
    );
  } else out(`skiffd is not running (no answer on unix://${ctx.socketPath})\n`);
  return running ? 0 : 3;
}
