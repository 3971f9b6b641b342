import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';

/** The most a client may ask for; longer graces would keep dead sessions' containers for minutes. */
export const MAX_GRACE_MS = 60_000;
/** A session whose client never opened a keepalive (it died between the two calls) is reaped after this. */
export const FIRST_KEEPALIVE_MS = 30_000;
/** The longest TTL a session may ask for: what one Node timer can wait (about 24.8 days). */
export const MAX_TTL_MS = 2 ** 31 - 1;

export interface SessionInfo {
  id: string;
  graceMs: number;
  labels: Record<string, string>;
  createdAt: number;
  keepalives: number;
  /** When a session created with a TTL is reaped, whatever its keepalives (epoch ms). */
  expiresAt?: number;
}

interface SessionState extends SessionInfo {
  timer: NodeJS.Timeout | undefined;
  /** The TTL timer of a session created with `ttlMs`; keepalives never cancel it. */
  ttlTimer: NodeJS.Timeout | undefined;
  /** Ends the keepalive responses of this session (reap or shutdown). */
  enders: Set<() => void>;
}

export interface SessionRegistryOptions {
  /** Removes everything labelled with the session; never rejects (it logs what failed). */
  reap: (id: string) => Promise<void>;
  defaultGraceMs: number;
  logger: Logger;
  /** Called when sessions existed and none is left alive or in its grace period. */
  onIdle?: () => void;
  newId?: () => string;
  firstKeepaliveMs?: number;
}

/**
 * The engine side of core's session protocol (core/SESSIONS.md). A session is alive while at least
 * one keepalive request is open; when the last one closes a grace timer starts, and a new
 * keepalive cancels it. When the timer fires — or on `DELETE` — the session's resources are reaped.
 * State is in memory: a restarted engine knows no sessions, and clients see 404 on reconnect.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, SessionState>();
  private readonly reaping = new Set<Promise<void>>();
  private hadSession = false;
  private readonly log: Logger;

  constructor(private readonly options: SessionRegistryOptions) {
    this.log = options.logger.child({ component: 'sessions' });
  }

  list(): SessionInfo[] {
    return [...this.sessions.values()].map(({ timer: _t, ttlTimer: _ttl, enders: _e, ...info }) => info);
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * A session with `ttlMs` is reaped when the TTL is over even if no keepalive was ever opened (a
   * `skiff up -d --ttl 2h` environment outlives its CLI); keepalives are optional for it, and when
   * the last one closes the grace period still applies (whichever comes first reaps).
   */
  create(input: { graceMs?: number; labels?: Record<string, string>; ttlMs?: number }): SessionInfo {
    const ttlMs = input.ttlMs;
    if (ttlMs !== undefined && (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS)) {
      throw new InvalidArgumentError(
        `invalid TtlMs ${ttlMs}: a session TTL must be between 0 and ${MAX_TTL_MS} ms (about 24 days)`,
      );
    }
    const id = this.options.newId?.() ?? randomBytes(12).toString('hex');
    const graceMs = Math.max(
      0,
      Math.min(MAX_GRACE_MS, Math.round(input.graceMs ?? this.options.defaultGraceMs)),
    );
    const state: SessionState = {
      id,
      graceMs,
      labels: input.labels ?? {},
      createdAt: Date.now(),
      keepalives: 0,
      timer: undefined,
      ttlTimer: undefined,
      enders: new Set(),
    };
    this.sessions.set(id, state);
    this.hadSession = true;
    if (ttlMs === undefined) {
      state.timer = setTimeout(
        () => this.expire(id, 'no keepalive came'),
        this.options.firstKeepaliveMs ?? FIRST_KEEPALIVE_MS,
      );
      state.timer.unref();
    } else {
      state.expiresAt = state.createdAt + Math.round(ttlMs);
      state.ttlTimer = setTimeout(() => this.expire(id, 'TTL over'), Math.round(ttlMs));
      state.ttlTimer.unref();
    }
    this.log.info({ session: id, graceMs, ttlMs, labels: state.labels }, 'session created');
    const info: SessionInfo = {
      id,
      graceMs,
      labels: state.labels,
      createdAt: state.createdAt,
      keepalives: 0,
    };
    if (state.expiresAt !== undefined) info.expiresAt = state.expiresAt;
    return info;
  }

  /**
   * Registers an open keepalive. `ended` settles when the engine ends it (reap, shutdown);
   * call `release` when the client's connection closes.
   */
  keepalive(id: string): { release: () => void; ended: Promise<void> } {
    const state = this.sessions.get(id);
    if (!state) throw new NotFoundError('session', id);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.keepalives++;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    state.enders.add(end);
    let released = false;
    return {
      ended,
      release: () => {
        if (released) return;
        released = true;
        state.enders.delete(end);
        state.keepalives--;
        if (state.keepalives > 0 || !this.sessions.has(id)) return;
        this.log.info({ session: id, graceMs: state.graceMs }, 'last keepalive closed; grace period started');
        state.timer = setTimeout(() => this.expire(id, 'grace period over'), state.graceMs);
        state.timer.unref();
      },
    };
  }

  /** `DELETE /skiff/v1/sessions/{id}`: reap at once. */
  async reapNow(id: string): Promise<void> {
    if (!this.sessions.has(id)) throw new NotFoundError('session', id);
    await this.expire(id, 'deleted by its client');
  }

  private expire(id: string, why: string): Promise<void> {
    const state = this.sessions.get(id);
    if (!state) return Promise.resolve();
    this.sessions.delete(id);
    if (state.timer) clearTimeout(state.timer);
    if (state.ttlTimer) clearTimeout(state.ttlTimer);
    for (const end of state.enders) end();
    this.log.info({ session: id, why }, 'reaping session');
    const work = this.options.reap(id).finally(() => {
      this.reaping.delete(work);
      this.checkIdle();
    });
    this.reaping.add(work);
    return work;
  }

  private checkIdle(): void {
    if (this.hadSession && this.sessions.size === 0 && this.reaping.size === 0) this.options.onIdle?.();
  }

  /** Shutdown: ends every keepalive and timer; sessions are not reaped (their containers stop with the engine). */
  async close(): Promise<void> {
    for (const state of this.sessions.values()) {
      if (state.timer) clearTimeout(state.timer);
      if (state.ttlTimer) clearTimeout(state.ttlTimer);
      for (const end of state.enders) end();
    }
    this.sessions.clear();
    await Promise.allSettled([...this.reaping]);
  }
}
