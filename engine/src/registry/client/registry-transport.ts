import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { errorMessage, RegistryError } from '../../errors.js';
import { RegistryErrorCode, RegistryHeader } from '../registry-constants.js';
import { type AuthChallenge, parseWwwAuthenticate } from './auth-challenge.js';
import type { RegistryCredential } from './registry-credential.js';
import type { RegistryEndpoint } from './registry-endpoints.js';
import {
  backoffDelay,
  errorCodeOf,
  isConnectionError,
  isUnknownHostError,
  parseRetryAfter,
  type RetryPolicy,
} from './retry-policy.js';
import { TokenCache } from './token-cache.js';

export type RequestBody = string | Buffer | Readable;

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path below the endpoint (`/v2/library/redis/manifests/7`) or an absolute URL (an upload `Location`). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Called for each attempt, so a retried request gets a fresh stream. */
  body?: () => RequestBody;
  /** Token scopes the request needs, e.g. `repository:library/redis:pull`. */
  scopes: readonly string[];
  /** Retry 429, 5xx and connection errors here (default true). Uploads retry whole instead. */
  retry?: boolean;
}

export type RegistryResponse = Dispatcher.ResponseData;

/** State shared by every session of one client: tokens and which auth scheme each endpoint wants. */
export class TransportState {
  readonly tokens: TokenCache;
  readonly challenges = new Map<string, AuthChallenge>();
  constructor(readonly now: () => number = Date.now) {
    this.tokens = new TokenCache(now);
  }
}

export interface TransportDeps {
  dispatcher: Dispatcher;
  state: TransportState;
  retry: RetryPolicy;
  logger: Logger;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function header(res: RegistryResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `CODE: message` from a registry's error JSON, for error messages (never echoing our own headers). */
export async function registryErrorText(res: RegistryResponse): Promise<string> {
  try {
    const text = (await res.body.text()).slice(0, 4096);
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(': ').slice(0, 300);
    return '';
  } catch {
    return '';
  }
}

/**
 * Talks to one registry endpoint for one operation (a pull or a push of `subject`): adds auth
 * (anonymous or credentialed bearer tokens from the `WWW-Authenticate` challenge, or Basic),
 * retries connection errors, 429 and 5xx with backoff honouring `Retry-After`, and follows
 * redirects without carrying `Authorization` to another host. Credentials never reach logs or
 * error messages.
 */
export class RegistrySession {
  private readonly identity: string;

  constructor(
    readonly endpoint: RegistryEndpoint,
    private readonly credential: RegistryCredential | undefined,
    /** What the operation is about, for messages: `pull of localhost:5000/app:1`. */
    readonly subject: string,
    private readonly deps: TransportDeps,
  ) {
    this.identity = credential
      ? createHash('sha256').update(JSON.stringify(credential)).digest('hex').slice(0, 16)
      : 'anonymous';
  }

  get usesCredentials(): boolean {
    return this.credential !== undefined;
  }

  url(pathOrUrl: string, query?: Record<string, string>): URL {
    const url = /^https?:\/\//.test(pathOrUrl)
      ? new URL(pathOrUrl)
      : new URL(`${this.endpoint.base}${pathOrUrl}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.append(k, v);
    return url;
  }

  /** Sends a request; returns any final response (the caller reads or dumps the body). */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    let url = this.url(req.path, req.query);
    const policy = this.deps.retry;
    let attempt = 0;
    let authRetried = false;
    let redirects = 0;
    let sameOrigin = true;
    for (;;) {
      const headers: Record<string, string> = { 'User-Agent': 'skiff/0.1', ...req.headers };
      const auth = sameOrigin ? await this.authorization(req.scopes) : undefined;
      if (auth) headers.Authorization = auth;
      let res: RegistryResponse;
      try {
        res = await request(url, {
          method: req.method,
          headers,
          body: req.body?.() ?? null,
          dispatcher: this.deps.dispatcher,
        });
      } catch (err) {
        if (isUnknownHostError(err)) {
          throw new RegistryError(
            `${this.subject}: unknown registry host ${url.host}: the name does not resolve (${errorCodeOf(err)}); check the image name`,
            undefined,
            { code: RegistryErrorCode.Unreachable, cause: err },
          );
        }
        if (isConnectionError(err) && req.retry !== false && attempt < policy.retries) {
          await this.pause(backoffDelay(policy, attempt++), { url, reason: errorCodeOf(err) });
          continue;
        }
        throw this.unreachable(url, err);
      }
      const status = res.statusCode;
      if (status === 401 && !authRetried && sameOrigin) {
        await res.body.dump();
        authRetried = true;
        if (this.learnChallenge(header(res, RegistryHeader.WwwAuthenticate), req.scopes, auth)) continue;
        throw await this.unauthorized(401, '');
      }
      if (status === 401 || status === 403) {
        throw await this.unauthorized(status, await registryErrorText(res));
      }
      if (REDIRECTS.has(status) && header(res, 'location')) {
        await res.body.dump();
        if (++redirects > 5)
          throw new RegistryError(
            `${this.subject}: too many redirects from ${this.endpoint.display}`,
            status,
          );
        const next = new URL(header(res, 'location')!, url);
        // Never forward Authorization to another host (distribution spec: blob redirects to storage).
        sameOrigin = sameOrigin && next.origin === new URL(this.endpoint.base).origin;
        url = next;
        continue;
      }
      if ((status === 429 || status >= 500) && req.retry !== false && attempt < policy.retries) {
        const retryAfter = parseRetryAfter(header(res, RegistryHeader.RetryAfter), this.deps.state.now());
        await res.body.dump();
        if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
          throw new RegistryError(
            `${this.subject}: registry ${this.endpoint.display} asked to retry after ${Math.round(retryAfter / 1000)} s (HTTP ${status}); giving up`,
            status,
          );
        }
        await this.pause(retryAfter ?? backoffDelay(policy, attempt), { url, reason: `HTTP ${status}` });
        attempt++;
        continue;
      }
      return res;
    }
  }

  private async pause(ms: number, info: { url: URL; reason: string | undefined }) {
    this.deps.logger.debug(
      { url: `${info.url.origin}${info.url.pathname}`, reason: info.reason, ms },
      'retrying registry request',
    );
    await sleep(ms);
  }

  unreachable(url: URL, err: unknown): RegistryError {
    return new RegistryError(
      `${this.subject}: cannot reach registry ${this.endpoint.display} at ${url.origin} (${errorCodeOf(err) ?? 'error'}: ${errorMessage(err)})`,
      undefined,
      { code: RegistryErrorCode.Unreachable, cause: err },
    );
  }

  async unauthorized(status: number, detail: string): Promise<RegistryError> {
    const who = this.credential
      ? `with the credentials configured for ${this.endpoint.domain}; check them or the account's access`
      : `to an anonymous request (no credentials configured for ${this.endpoint.domain}; run skiff login ${this.endpoint.domain})`;
    return new RegistryError(
      `${this.subject}: registry ${this.endpoint.display} answered ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'} ${who}${detail ? ` [${detail}]` : ''}`,
      status,
      { code: RegistryErrorCode.Unauthorized },
    );
  }

  /** Records the endpoint's challenge after a 401; false when retrying cannot help. */
  private learnChallenge(
    value: string | undefined,
    scopes: readonly string[],
    sent: string | undefined,
  ): boolean {
    const challenges = parseWwwAuthenticate(value ?? '');
    const chosen =
      challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    const key = this.endpoint.base;
    const known = this.deps.state.challenges.get(key);
    this.deps.state.challenges.set(key, chosen);
    if (chosen.scheme === 'basic') return this.credential?.kind === 'basic' && !sent?.startsWith('Basic ');
    // A bearer token was sent and refused: drop it and get a fresh one once.
    if (sent?.startsWith('Bearer ') && known) this.deps.state.tokens.delete(this.tokenKey(known, scopes));
    return true;
  }

  private tokenKey(challenge: AuthChallenge, scopes: readonly string[]): string {
    return TokenCache.key({
      realm: challenge.params.realm ?? '',
      service: challenge.params.service ?? '',
      scopes,
      identity: this.identity,
    });
  }

  private async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const cred = this.credential;
    if (cred?.kind === 'registry-token') return `Bearer ${cred.token}`;
    const challenge = this.deps.state.challenges.get(this.endpoint.base);
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      return cred?.kind === 'basic'
        ? `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`
        : undefined;
    }
    const key = this.tokenKey(challenge, scopes);
    const cached = this.deps.state.tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    const { token, expiresIn } = await this.fetchToken(challenge, scopes);
    this.deps.state.tokens.set(key, token, expiresIn);
    return `Bearer ${token}`;
  }

  /** The token flow (distribution docs/spec/auth/token.md and oauth.md). */
  private async fetchToken(challenge: AuthChallenge, scopes: readonly string[]) {
    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryError(
        `${this.subject}: registry ${this.endpoint.display} sent a bearer challenge without a realm`,
      );
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(
        `${this.subject}: registry ${this.endpoint.display} sent an invalid token realm`,
      );
    }
    const service = challenge.params.service;
    const cred = this.credential;
    let res: RegistryResponse;
    try {
      if (cred?.kind === 'identity-token') {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: cred.token,
          client_id: 'skiff',
        });
        if (service) form.set('service', service);
        if (scopes.length) form.set('scope', scopes.join(' '));
        res = await request(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'skiff/0.1' },
          body: form.toString(),
          dispatcher: this.deps.dispatcher,
        });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const s of scopes) url.searchParams.append('scope', s);
        const headers: Record<string, string> = { 'User-Agent': 'skiff/0.1' };
        if (cred?.kind === 'basic') {
          headers.Authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        }
        res = await request(url, { method: 'GET', headers, dispatcher: this.deps.dispatcher });
      }
    } catch (err) {
      throw new RegistryError(
        `${this.subject}: cannot reach the token server ${url.host} of registry ${this.endpoint.display} (${errorCodeOf(err) ?? errorMessage(err)})`,
        undefined,
        { code: RegistryErrorCode.Unreachable, cause: err },
      );
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      throw await this.unauthorized(res.statusCode, `token server ${url.host} refused`);
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new RegistryError(
        `${this.subject}: token server ${url.host} of registry ${this.endpoint.display} answered HTTP ${res.statusCode}`,
        res.statusCode,
      );
    }
    const body = (await res.body.json().catch(() => ({}))) as {
      token?: string;
      access_token?: string;
      expires_in?: number;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`${this.subject}: token server ${url.host} answered without a token`);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { token, expiresIn };
  }
}
