import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EngineEndpoint } from '../engine/endpoint.js';
import type { EngineClient } from '../engine/engine-client.js';
import { SkiffCoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import { reapSession } from './reap-session.js';
import type { Session } from './session.js';
import { sessionLabels } from './session-labels.js';

/** What the reaper process is told, as JSON in `SKIFF_REAPER_CONFIG`. */
export interface ReaperConfig {
  endpoint: EngineEndpoint;
  apiVersion: string;
  sessionId: string;
  graceMs: number;
}

export const REAPER_CONFIG_ENV = 'SKIFF_REAPER_CONFIG';

/**
 * The compiled reaper entry. From `dist/` it sits beside this file; when core runs from source
 * (vitest aliases), the built copy under `dist/` is used, since Node 20 cannot run `.ts`.
 */
export function reaperEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const candidates = [
    here.replace(/reaper-session\.[jt]s$/, 'reaper-main.js'),
    here.replace(/\/src\/session\/reaper-session\.ts$/, '/dist/session/reaper-main.js'),
  ];
  const found = candidates.find((c) => c.endsWith('.js') && existsSync(c));
  if (!found) {
    throw new SkiffCoreError(
      'SKIFF_REAPER_UNAVAILABLE',
      `the reaper script is missing (looked at ${candidates.join(', ')}); build @skiff/core with \`npx tsc -b core\``,
    );
  }
  return found;
}

/**
 * Sessions on engines without skiffd's protocol (Docker, Podman): a small detached node process
 * holds the read end of a pipe from this one. When the pipe closes — this process exited, crashed
 * or was SIGKILLed — it waits the grace period and removes the session's resources through the
 * same API. No helper container, no socket mounted anywhere.
 */
export class ReaperSession implements Session {
  readonly mode = 'reaper' as const;
  readonly labels: Readonly<Record<string, string>>;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly client: EngineClient,
    readonly id: string,
    private readonly child: ChildProcess,
    private readonly logger: Logger,
  ) {
    this.labels = sessionLabels(id);
  }

  static start(client: EngineClient, graceMs: number, logger: Logger): ReaperSession {
    const id = randomBytes(12).toString('hex');
    const config: ReaperConfig = {
      endpoint: client.endpoint,
      apiVersion: client.apiVersion,
      sessionId: id,
      graceMs,
    };
    const child = spawn(process.execPath, [reaperEntry()], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, [REAPER_CONFIG_ENV]: JSON.stringify(config) },
    });
    child.unref();
    // The pipe must not keep this process alive either: its closing is the signal.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    logger.debug({ session: id, reaperPid: child.pid }, 'reaper started');
    return new ReaperSession(client, id, child, logger.child({ session: id }));
  }

  get reaperPid(): number | undefined {
    return this.child.pid;
  }

  async reapNow(): Promise<void> {
    const result = await reapSession(this.client, this.id);
    if (result.errors.length > 0)
      this.logger.warn({ errors: result.errors }, 'some session resources were not removed');
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.reapNow();
      } finally {
        // Tell the reaper to sweep once more and exit now, instead of after the grace period.
        this.child.stdin?.end('reap\n');
      }
    })();
    return this.closed;
  }
}

/** Labels only: nobody cleans up after this process (sessions: 'none'). */
export class UnwatchedSession implements Session {
  readonly mode = 'none' as const;
  readonly id = randomBytes(12).toString('hex');
  readonly labels = sessionLabels(this.id);
  constructor(private readonly client: EngineClient) {}
  async reapNow(): Promise<void> {
    await reapSession(this.client, this.id);
  }
  async close(): Promise<void> {
    await this.reapNow();
  }
}
