import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import { API_VERSION, ENGINE_VERSION, Header } from '../constants.js';
import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PayloadTooLargeError } from './api-errors.js';
import { errorBody, errorStatus } from './error-status.js';
import { type HeaderList, rawHead, writeRawResponse } from './protocol/raw-response.js';
import { readExactly } from './protocol/read-exactly.js';

/** Headers on every response (moby's version middleware). */
export function commonHeaders(): HeaderList {
  return {
    [Header.ApiVersion]: API_VERSION,
    [Header.OsType]: 'linux',
    [Header.DockerExperimental]: 'false',
    Server: `Skiff/${ENGINE_VERSION} (linux)`,
  };
}

/** How long, and how much, a refused (413) body is read and discarded before the connection is cut. */
export const LINGER_MS = 2000;
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;

/** Default cap on JSON request bodies. Archive, import and load bodies are streamed and not capped. */
export const DEFAULT_JSON_LIMIT = 4 * 1024 * 1024;

/** A connection taken over from HTTP for attach and exec: raw output, raw stdin. */
export interface HijackedConnection {
  /** Bytes the client sends after the request body (stdin); ends on the client's half-close. */
  readonly input: Readable;
  /** Output; keeps reaching the client after it half-closed its side. */
  readonly output: Writable;
  /** Ends the response and closes the connection. */
  end(): void;
}

type Target = { kind: 'response'; res: ServerResponse } | { kind: 'upgrade'; socket: Duplex; head: Buffer };

/**
 * One request and the means to answer it, the same way whether it arrived as a normal request
 * (answered through `ServerResponse`) or as an `Upgrade` request (answered on the raw socket, which
 * Node hands over with the first bytes past the headers in `head`).
 */
export class HttpExchange {
  params: Record<string, string> = {};
  apiVersion = API_VERSION;
  private readonly abort = new AbortController();
  private bodyPromise: Promise<Buffer> | undefined;
  private answered = false;

  constructor(
    readonly req: IncomingMessage,
    private readonly target: Target,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly log: Logger,
  ) {
    if (target.kind === 'response') {
      for (const [k, v] of Object.entries(commonHeaders())) target.res.setHeader(k, v);
      // 'close' fires after the response finished or when the client went away; either way the
      // handler's work for this request is over.
      target.res.once('close', () => this.abort.abort());
    } else {
      target.socket.once('close', () => this.abort.abort());
    }
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get isUpgrade(): boolean {
    return this.target.kind === 'upgrade';
  }

  /** Aborted when the client disconnects (or the response is complete). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get headersSent(): boolean {
    return this.answered;
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  json(status: number, value: unknown): void {
    const body = Buffer.from(JSON.stringify(value));
    this.send(status, { 'Content-Type': 'application/json' }, body);
  }

  noContent(status = 204): void {
    this.send(status, {}, undefined);
  }

  text(
    status: number,
    body: string,
    contentType = 'text/plain; charset=utf-8',
    extra: HeaderList = {},
  ): void {
    this.send(status, { 'Content-Type': contentType, ...extra }, Buffer.from(body));
  }

  /** Answers with Docker's error JSON and the status from `error-status.ts`. */
  error(err: unknown): void {
    const status = errorStatus(err);
    if (status === 304) {
      this.noContent(304);
      return;
    }
    const body = Buffer.from(JSON.stringify(errorBody(err)));
    if (status === 413) this.lingerAfterRefusedBody();
    this.send(status, { 'Content-Type': 'application/json' }, body);
  }

  /**
   * After a 413 the client is usually still sending. Closing at once makes it see a reset instead
   * of the answer; draining forever lets it stream without end. Like a lingering close: discard
   * what it sends for a while (and up to a cap), then cut the connection.
   */
  private lingerAfterRefusedBody(): void {
    if (this.target.kind !== 'response' || this.req.complete) return;
    const socket = this.req.socket;
    let discarded = 0;
    const cut = setTimeout(() => socket.destroy(), LINGER_MS);
    cut.unref();
    this.req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_MAX_BYTES) socket.destroy();
    });
    this.req.once('end', () => clearTimeout(cut));
    this.req.once('close', () => clearTimeout(cut));
    this.req.resume();
  }

  /** A complete response with optional extra headers. HEAD requests get the headers only. */
  send(status: number, headers: HeaderList, body: Buffer | undefined): void {
    if (this.answered) return;
    this.answered = true;
    const payload = this.method === 'HEAD' || status === 204 || status === 304 ? undefined : body;
    if (this.target.kind === 'response') {
      const res = this.target.res;
      res.writeHead(status, { ...headers, 'Content-Length': payload?.length ?? body?.length ?? 0 });
      res.end(payload);
    } else {
      writeRawResponse(this.target.socket, status, { ...commonHeaders(), ...headers }, payload);
    }
  }

  /**
   * Starts a streamed response: headers go out now (clients such as `docker run` wait for them),
   * the body follows as it is written; end the returned stream to finish.
   */
  stream(status: number, contentType: string, extra: HeaderList = {}): Writable {
    if (this.answered) throw new Error('response already started');
    this.answered = true;
    if (this.target.kind === 'response') {
      const res = this.target.res;
      res.writeHead(status, { 'Content-Type': contentType, ...extra });
      res.flushHeaders();
      return res;
    }
    const socket = this.target.socket;
    socket.write(
      rawHead(status, { ...commonHeaders(), 'Content-Type': contentType, ...extra, Connection: 'close' }),
    );
    return socket;
  }

  /** The request body, read whole up to `limit` bytes. Idempotent. */
  readBody(limit = DEFAULT_JSON_LIMIT): Promise<Buffer> {
    this.bodyPromise ??= this.readBodyOnce(limit);
    return this.bodyPromise;
  }

  private async readBodyOnce(limit: number): Promise<Buffer> {
    const declared = this.req.headers['content-length'];
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && (!Number.isInteger(length) || length < 0)) {
      throw new InvalidArgumentError(`invalid Content-Length ${JSON.stringify(declared)}`);
    }
    if (length !== undefined && length > limit) throw new PayloadTooLargeError(limit);
    if (this.target.kind === 'upgrade') {
      // Node does not parse the body of an upgrade request: exactly Content-Length bytes are the
      // body, anything after them is already the client's stdin (docker CLI exec start).
      const { socket, head } = this.target;
      this.target.head = Buffer.alloc(0);
      return readExactly(socket, length ?? 0, head);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new PayloadTooLargeError(limit);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  /** Parses the body as JSON; an empty body gives `undefined`, malformed JSON a 400. */
  async readJson(limit = DEFAULT_JSON_LIMIT): Promise<unknown> {
    const body = await this.readBody(limit);
    const text = body.toString('utf8').trim();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(`invalid JSON in request body: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /** The body as a stream (archive uploads, image import and load); not capped. */
  bodyStream(): Readable {
    if (this.target.kind === 'response') return this.req;
    const { socket, head } = this.target;
    this.target.head = Buffer.alloc(0);
    const declared = this.req.headers['content-length'];
    const out = new PassThrough();
    let remaining = declared === undefined ? Number.POSITIVE_INFINITY : Number(declared);
    const feed = (chunk: Buffer) => {
      const part = chunk.subarray(0, Math.min(chunk.length, remaining));
      remaining -= part.length;
      if (part.length > 0) out.write(part);
      if (remaining <= 0) {
        socket.off('data', feed);
        out.end();
      }
    };
    if (head.length > 0) feed(head);
    if (remaining > 0) {
      socket.on('data', feed);
      socket.once('end', () => out.end());
    }
    return out;
  }

  /**
   * Takes the connection over for a raw bidirectional stream (attach, exec start).
   * - With `Upgrade: tcp` (docker CLI, Go client): `101 UPGRADED`; bytes after the body are stdin.
   * - Without (dockerode, testcontainers): a plain `200` with a raw stream and no framing of the
   *   HTTP body, closed when the output ends, as moby does; stdin is the chunked request body.
   * In upgrade mode the Content-Length body is consumed first so that only stdin is left; in plain
   * mode a handler that expects a JSON body must read it before calling this.
   */
  async hijack(contentType: string): Promise<HijackedConnection> {
    if (this.answered) throw new Error('response already started');
    if (this.target.kind === 'upgrade') {
      await this.readBody();
      this.answered = true;
      const socket = this.target.socket;
      socket.write(
        rawHead(
          101,
          { 'Content-Type': contentType, Connection: 'Upgrade', Upgrade: 'tcp', ...commonHeaders() },
          'UPGRADED',
        ),
      );
      return { input: socket, output: socket, end: () => socket.end() };
    }
    this.answered = true;
    const socket = this.req.socket;
    // The ServerResponse stays unused: the raw head and stream go straight to the socket, which is
    // closed at the end (a response without length or chunking ends with the connection).
    socket.write(rawHead(200, { 'Content-Type': contentType, ...commonHeaders(), Connection: 'close' }));
    return { input: this.req, output: socket, end: () => socket.end() };
  }
}
