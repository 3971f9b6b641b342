import { loadEngineConfig } from '../config.js';
import { EngineClient } from './engine-client.js';

export interface GlobalOptions {
  host?: string;
}

/** A command's action: the process exit code it asks for. */
export type CliAction = (ctx: CliContext) => Promise<number>;

/** How `main.ts` runs an action (context, error report, exit code); command modules get it. */
export type RunAction = (action: CliAction) => Promise<void>;

export interface CliContext {
  client: EngineClient;
  socketPath: string;
  stateDir: string;
}

/**
 * The client for one CLI invocation. `-H/--host` beats `SKIFF_HOST`. When no engine answers, the
 * first request starts `skiffd` on demand (and says so on stderr) and is retried once.
 */
export function createCliContext(options: GlobalOptions): CliContext {
  const env = options.host ? { ...process.env, SKIFF_HOST: options.host } : process.env;
  const config = loadEngineConfig(env);
  const paths = { socketPath: config.socketPath, stateDir: config.stateDir };
  const client = new EngineClient(paths.socketPath, async () => {
    process.stderr.write(`skiff: no engine answers on unix://${paths.socketPath}; starting skiffd\n`);
    // Imported here: child_process and the lock code are needed only when no engine answers.
    const { startDaemon } = await import('./daemon-launcher.js');
    const pid = await startDaemon(paths, { env });
    if (pid !== undefined) {
      process.stderr.write(`skiff: skiffd started (pid ${pid}); logs in ${paths.stateDir}\n`);
    }
  });
  return { client, ...paths };
}
