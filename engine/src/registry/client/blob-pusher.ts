import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import type { Logger } from 'pino';
import type { ContentStore } from '../../content/content-store.js';
import { errorMessage, RegistryError } from '../../errors.js';
import type { Descriptor } from '../manifest.js';
import { unexpectedStatus } from './blob-requests.js';
import { type ProgressReporter, shortId } from './progress-reporter.js';
import type { RegistrySession } from './registry-transport.js';
import { isConnectionError } from './retry-policy.js';

/**
 * How blob bytes go up: `monolithic` is POST then one PUT with the body; `streamed` is Docker's
 * way (one PATCH without Content-Range, then an empty PUT); `chunked` PATCHes `chunkSize` pieces
 * with Content-Range and finishes with an empty PUT.
 */
export type UploadMode = 'monolithic' | 'streamed' | 'chunked';

export interface BlobPushContext {
  session: RegistrySession;
  repository: string;
  content: ContentStore;
  progress: ProgressReporter;
  logger: Logger;
  /** Token scopes for every request of this push (push here, pull on mount sources). */
  scopes: readonly string[];
  mode: UploadMode;
  chunkSize: number;
}

class Counter extends Transform {
  constructor(private readonly onBytes: (n: number) => void) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.onBytes(chunk.length);
    cb(null, chunk);
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Pushes one blob from the content store: existence check, cross-repository mount, then upload. */
export class BlobPusher {
  constructor(private readonly ctx: BlobPushContext) {}

  /** Returns what happened, for the progress line: `Pushed`, `Layer already exists` or `Mounted from x`. */
  async push(desc: Descriptor, mountFrom: readonly string[], layer: boolean): Promise<string> {
    const { ctx } = this;
    const id = shortId(desc.digest);
    const say = (status: string) => layer && ctx.progress.layer(id, status);
    say('Preparing');
    const head = await ctx.session.send({
      method: 'HEAD',
      path: `/v2/${ctx.repository}/blobs/${desc.digest}`,
      scopes: ctx.scopes,
    });
    await head.body.dump();
    if (head.statusCode === 200) {
      say('Layer already exists');
      return 'Layer already exists';
    }
    if (head.statusCode !== 404)
      throw await unexpectedStatus(ctx.session, head, `checking blob ${desc.digest}`);
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.upload(desc, mountFrom, (status) => say(status));
        say(result);
        return result;
      } catch (err) {
        const retriable =
          isConnectionError(err) || (err instanceof RegistryError && (err.status ?? 0) >= 500);
        if (!retriable || attempt >= 2) throw err;
        ctx.logger.info(
          { blob: desc.digest, err: errorMessage(err) },
          'blob upload failed; starting it again',
        );
      }
    }
  }

  private async upload(
    desc: Descriptor,
    mountFrom: readonly string[],
    say: (s: string) => void,
  ): Promise<string> {
    const { ctx } = this;
    const uploads = `/v2/${ctx.repository}/blobs/uploads/`;
    let location: string | undefined;
    for (const from of mountFrom) {
      const res = await ctx.session.send({
        method: 'POST',
        path: uploads,
        query: { mount: desc.digest, from },
        scopes: ctx.scopes,
      });
      await res.body.dump();
      if (res.statusCode === 201) return `Mounted from ${from}`;
      if (res.statusCode !== 202)
        throw await unexpectedStatus(ctx.session, res, `mounting ${desc.digest} from ${from}`);
      location = header(res.headers.location);
      break;
    }
    if (!location) {
      const res = await ctx.session.send({ method: 'POST', path: uploads, scopes: ctx.scopes });
      if (res.statusCode !== 202)
        throw await unexpectedStatus(ctx.session, res, `starting upload of ${desc.digest}`);
      await res.body.dump();
      location = header(res.headers.location);
    }
    if (!location)
      throw new RegistryError(
        `${ctx.session.subject}: registry ${ctx.session.endpoint.display} started an upload without a Location`,
      );
    let url = this.resolve(location);
    let sent = 0;
    // Large reads straight from the blob file: the push is bound by per-chunk overhead otherwise.
    const body = (start: number, end: number) => () =>
      createReadStream(ctx.content.pathOf(desc.digest), { start, end: end - 1, highWaterMark: 1 << 20 }).pipe(
        new Counter((n) => {
          sent += n;
          ctx.progress.bytes(shortId(desc.digest), 'Pushing', Math.min(sent, desc.size), desc.size);
        }),
      );
    say('Pushing');
    if (ctx.mode !== 'monolithic' && desc.size > 0) {
      const step = ctx.mode === 'chunked' ? Math.max(1, ctx.chunkSize) : desc.size;
      for (let start = 0; start < desc.size; start += step) {
        const end = Math.min(desc.size, start + step);
        const headers: Record<string, string> = {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(end - start),
        };
        if (ctx.mode === 'chunked') headers['Content-Range'] = `${start}-${end - 1}`;
        const res = await ctx.session.send({
          method: 'PATCH',
          path: url,
          headers,
          body: body(start, end),
          scopes: ctx.scopes,
          retry: false,
        });
        if (res.statusCode !== 202)
          throw await unexpectedStatus(ctx.session, res, `uploading ${desc.digest}`);
        await res.body.dump();
        const next = header(res.headers.location);
        if (next) url = this.resolve(next);
      }
    }
    const monolithic = ctx.mode === 'monolithic';
    const put = await ctx.session.send({
      method: 'PUT',
      path: url,
      query: { digest: desc.digest },
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(monolithic ? desc.size : 0),
      },
      ...(monolithic && desc.size > 0 ? { body: body(0, desc.size) } : {}),
      scopes: ctx.scopes,
      retry: false,
    });
    if (put.statusCode !== 201)
      throw await unexpectedStatus(ctx.session, put, `finishing upload of ${desc.digest}`);
    await put.body.dump();
    return 'Pushed';
  }

  private resolve(location: string): string {
    return new URL(location, this.ctx.session.url('/')).toString();
  }
}
