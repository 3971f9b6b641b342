import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { StartedGenericContainer } from '@skiff/core';
import { Label, WARM_FORMAT, WARM_IMAGE_REPO } from './constants.js';
import type { PreparedInitScript } from './init-scripts.js';

/** Everything that decides what an initialised data directory holds. */
export interface WarmKeyInput {
  baseImageId: string;
  environment: Record<string, string>;
  command: string[];
  entrypoint: string[] | undefined;
  user: string | undefined;
  scripts: readonly PreparedInitScript[];
}

/**
 * sha256 over the base image id, the environment, the server command line, the init scripts'
 * names, modes and bytes, and the format version: a warm image is used only for exactly the
 * configuration that made it. Server settings are included (init scripts ran under them).
 */
export function warmKey(input: WarmKeyInput): string {
  const hash = createHash('sha256');
  const environment = Object.entries(input.environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(
    JSON.stringify({
      format: WARM_FORMAT,
      baseImageId: input.baseImageId,
      environment,
      command: input.command,
      entrypoint: input.entrypoint ?? null,
      user: input.user ?? null,
      scripts: input.scripts.map((s) => ({
        target: s.target,
        mode: s.mode,
        sha256: createHash('sha256').update(s.content).digest('hex'),
      })),
    }),
  );
  return hash.digest('hex');
}

export function warmImageRef(key: string): { repo: string; tag: string; ref: string } {
  const tag = key.slice(0, 32);
  return { repo: WARM_IMAGE_REPO, tag, ref: `${WARM_IMAGE_REPO}:${tag}` };
}

const SHUTDOWN_TIMEOUT_MS = 60_000;
/** The postmaster's last log line after a shutdown checkpoint (lc_messages is C in the images). */
const CLEAN_SHUTDOWN = 'database system is shut down';

/**
 * The container's log from `tail` lines back, to its end (the container's exit). Core follows logs
 * on an unref'd socket, so a timer that keeps the process alive covers the whole wait.
 */
async function logsToExit(container: StartedGenericContainer, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  let stream: Readable | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stream?.destroy();
      reject(new Error(`the container did not exit within ${timeoutMs} ms of pg_ctl stop`));
    }, timeoutMs);
  });
  const read = async () => {
    stream = await container.logs({ tail: 20 });
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return text;
  };
  try {
    return await Promise.race([read(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Container labels a commit would copy into the image and that must not follow it. */
const SESSION_LABELS = ['dev.skiff.session', 'dev.skiff.session.pid', 'dev.skiff.session.host'];

/**
 * Turns a freshly initialised container into the warm image for `key`: the server is shut down
 * cleanly (`pg_ctl stop -m fast`, confirmed by the server's last log line once the container has
 * exited), then the container is committed. A start from the image then finds a cleanly shut down cluster: no crash
 * recovery, no end-of-recovery checkpoint. The container is not usable afterwards: remove it.
 * The image outlives the session (it is the cache) and carries no session label.
 */
export async function commitWarmImage(
  template: StartedGenericContainer,
  dataDir: string,
  key: string,
  baseImageId: string,
): Promise<string> {
  // -W: pg_ctl only signals. Waiting would be cut short: when the server (PID 1) exits, the kernel
  // kills every process left in the container, pg_ctl included.
  const stop = await template.exec(['pg_ctl', 'stop', '-D', dataDir, '-m', 'fast', '-W'], {
    user: 'postgres',
  });
  if (stop.exitCode !== 0) {
    throw new Error(`pg_ctl stop exited with code ${stop.exitCode}: ${stop.output.trim()}`);
  }
  // The followed log ends when the container has exited; the server's last word says whether the
  // shutdown was clean (its checkpoint written), which is all a data directory needs to be reused.
  const tail = await logsToExit(template, SHUTDOWN_TIMEOUT_MS);
  if (!tail.includes(CLEAN_SHUTDOWN)) {
    throw new Error(`the server did not report a clean shutdown; its last lines:\n${tail.trim()}`);
  }
  const { repo, tag } = warmImageRef(key);
  await template.commit({
    repo,
    tag,
    // The server is gone (the container is exiting): nothing writes to the data directory.
    pause: false,
    deleteOnExit: false,
    comment: 'skiff postgres warm start: initialised data directory',
    changes: [
      `LABEL ${SESSION_LABELS.map((l) => `${l}=""`).join(' ')}`,
      `LABEL ${Label.WarmKey}=${key} ${Label.WarmBaseImage}=${baseImageId}`,
    ],
  });
  return `${repo}:${tag}`;
}
