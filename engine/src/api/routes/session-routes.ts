import type { RouteModule } from '../api-router.js';
import { writeChunk } from '../protocol/stream-write.js';
import { isObject, optNumber, optStringMap } from '../wire/wire-value.js';

/** What the session routes need (`daemon/session-registry.ts` implements it). */
export interface SessionBackend {
  create(input: { graceMs?: number; labels?: Record<string, string>; ttlMs?: number }): {
    id: string;
    graceMs: number;
    expiresAt?: number;
  };
  keepalive(id: string): { release: () => void; ended: Promise<void> };
  reapNow(id: string): Promise<void>;
  /** The sessions alive or in their grace period (for `skiff prune --sessions`). */
  list?(): {
    id: string;
    graceMs: number;
    labels: Record<string, string>;
    createdAt: number;
    keepalives: number;
    expiresAt?: number;
  }[];
}

/** Heartbeat on an open keepalive, so idle proxies and the client see the connection alive. */
export const KEEPALIVE_HEARTBEAT_MS = 10_000;

/**
 * Skiff's session protocol (core/SESSIONS.md): `POST /skiff/v1/sessions` (with Skiff's `TtlMs`
 * extension), `GET /skiff/v1/sessions` (the list, for prune), the held-open
 * `GET …/{id}/keepalive` whose close starts the grace period, and `DELETE …/{id}`. Unversioned
 * like `/_ping` (a `/v1.NN` prefix is tolerated, as on every route).
 */
export function sessionRoutes(sessions: SessionBackend): RouteModule {
  return (router) => {
    router.post('/skiff/v1/sessions', async (ex) => {
      const raw = (await ex.readJson()) ?? {};
      const body = isObject(raw) ? raw : {};
      const input: { graceMs?: number; labels?: Record<string, string>; ttlMs?: number } = {};
      const graceMs = optNumber(body, 'GraceMs');
      if (graceMs !== undefined) input.graceMs = graceMs;
      const labels = optStringMap(body, 'Labels');
      if (labels) input.labels = labels;
      // Skiff extension: a session that is reaped after TtlMs even without a keepalive (skiff up --ttl).
      const ttlMs = optNumber(body, 'TtlMs');
      if (ttlMs !== undefined) input.ttlMs = ttlMs;
      const session = sessions.create(input);
      const reply: Record<string, unknown> = { Id: session.id, GraceMs: session.graceMs };
      if (ttlMs !== undefined && session.expiresAt !== undefined) {
        reply.TtlMs = ttlMs;
        reply.ExpiresAt = new Date(session.expiresAt).toISOString();
      }
      ex.json(201, reply);
    });

    router.get('/skiff/v1/sessions', async (ex) => {
      const list = sessions.list?.() ?? [];
      ex.json(
        200,
        list.map((s) => ({
          Id: s.id,
          GraceMs: s.graceMs,
          Labels: s.labels,
          CreatedAt: new Date(s.createdAt).toISOString(),
          Keepalives: s.keepalives,
          ...(s.expiresAt !== undefined ? { ExpiresAt: new Date(s.expiresAt).toISOString() } : {}),
        })),
      );
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
