import { createHash } from 'node:crypto';
import type { StartedGenericContainer } from '@skiff/core';
import pg from 'pg';
import type { PostgresConnectionConfig } from './connection-uri.js';
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

/** Container labels a commit would copy into the image and that must not follow it. */
const SESSION_LABELS = ['dev.skiff.session', 'dev.skiff.session.pid', 'dev.skiff.session.host'];

/**
 * Commits a freshly initialised container as the warm image for `key`. A CHECKPOINT first makes
 * the data files current, and the engine pauses the container while it reads them, so the image
 * holds a consistent data directory; a start from it replays at most the WAL after the checkpoint.
 * The image outlives the session (it is the cache) and carries no session label.
 */
export async function commitWarmImage(
  started: StartedGenericContainer,
  connection: PostgresConnectionConfig,
  key: string,
  baseImageId: string,
): Promise<string> {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('CHECKPOINT');
  } finally {
    await client.end().catch(() => undefined);
  }
  const { repo, tag } = warmImageRef(key);
  await started.commit({
    repo,
    tag,
    pause: true,
    deleteOnExit: false,
    comment: 'skiff postgres warm start: initialised data directory',
    changes: [
      `LABEL ${SESSION_LABELS.map((l) => `${l}=""`).join(' ')}`,
      `LABEL ${Label.WarmKey}=${key} ${Label.WarmBaseImage}=${baseImageId}`,
    ],
  });
  return `${repo}:${tag}`;
}
