import type { RouteModule } from '../api-router.js';
import { writeChunk } from '../protocol/stream-write.js';
import { isObject, optNumber, optStringMap } from '../wire/wire-value.js';

/** What the session routes need (`daemon/session-registry.ts` implements it). */
export interface SessionBackend {
  create(input: { graceMs?: number; labels?: Record<string, string> }): { id: string; graceMs: number };
  keepalive(id: string): { release: () => void; ended: Promise<void> };
  reapNow(id: string): Promise<void>;
}

/** Heartbeat on an open keepalive, so idle proxies and the client see the connection alive. */
export const KEEPALIVE_HEARTBEAT_MS = 10_000;

/**
 * Skiff's session protocol (core/SESSIONS.md): `POST /skiff/v1/sessions`, the held-open
 * `GET …/{id}/keepalive` whose close starts the grace period, and `DELETE …/{id}`. Unversioned
 * like `/_ping` (a `/v1.NN` prefix is tolerated, as on every route).
 */
export function sessionRoutes(sessions: SessionBackend): RouteModule {
  return (router) => {
    router.post('/skiff/v1/sessions', async (ex) => {
      const raw = (await ex.readJson()) ?? {};
      const body = isObject(raw) ? raw : {};
      const input: { graceMs?: number; labels?: Record<string, string> } = {};
      const graceMs = optNumber(body, 'GraceMs');
      if (graceMs !== undefined) input.graceMs = graceMs;
      const labels = optStringMap(body, 'Labels');
      if (labels) input.labels = labels;
      const session = sessions.create(input);
      ex.json(201, { Id: session.id, GraceMs: session.graceMs });
    });

    router.get('/skiff/v1/sessions/:id/keepalive', async (ex) => {
      const { release, ended } = sessions.keepalive(ex.params.id ?? '');
      try {
        const out = ex.stream(200, 'text/plain; charset=utf-8');
        const heartbeat = setInterval(() => void writeChunk(out, '\n', ex.signal), KEEPALIVE_HEARTBEAT_MS);
        const gone = new Promise<void>((resolve) =>
          ex.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        try {
          await Promise.race([ended, gone]);
        } finally {
          clearInterval(heartbeat);
        }
        if (!ex.signal.aborted) out.end();
      } finally {
        release();
      }
    });

    router.delete('/skiff/v1/sessions/:id', async (ex) => {
      await sessions.reapNow(ex.params.id ?? '');
      ex.noContent();
    });
  };
}
