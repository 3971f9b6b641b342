import type { IncomingMessage } from 'node:http';
import { Header } from '../../constants.js';
import { DigestMismatchError } from '../../errors.js';
import { RegistryHeader } from '../registry-constants.js';
import { isRepositoryName } from '../repository-name.js';
import { checkDigest } from './blob-routes.js';
import { DistributionError } from './distribution-error.js';
import { drain, sendEmpty } from './http-io.js';
import type { RouteContext } from './route-context.js';
import { UploadSession } from './upload-sessions.js';

function sessionHeaders(name: string, id: string, size: number) {
  return {
    [RegistryHeader.Location]: `/v2/${name}/blobs/uploads/${id}`,
    // Docker's registry quirk: an empty upload reports `0-0`, not `0--1`.
    [RegistryHeader.Range]: `0-${Math.max(0, size - 1)}`,
    [RegistryHeader.UploadUuid]: id,
  };
}

function blobCreated(ctx: RouteContext, name: string, digest: string) {
  sendEmpty(ctx.res, 201, {
    [RegistryHeader.Location]: `/v2/${name}/blobs/${digest}`,
    [Header.ContentDigest]: digest,
  });
}

function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value === undefined ? undefined : Number(value);
}

/** POST: cross-repository mount, monolithic upload (`?digest=`), or a new session. */
export async function startUpload(ctx: RouteContext, name: string) {
  const mount = ctx.query.get('mount');
  const from = ctx.query.get('from');
  if (mount !== null && from !== null) {
    const digest = checkDigest(mount, 'mount digest');
    if (!isRepositoryName(from)) {
      throw new DistributionError(
        400,
        'NAME_INVALID',
        `invalid repository name ${JSON.stringify(from)} in from=`,
      );
    }
    if (await ctx.storage.blobInfo(from, digest)) {
      await drain(ctx.req);
      await ctx.storage.linkBlob(name, digest);
      ctx.logger.info({ name, from, digest }, 'blob mounted');
      return blobCreated(ctx, name, digest);
    }
    // Not mountable: the spec says to fall back to a regular upload session.
  }
  const digestParam = ctx.query.get('digest');
  if (digestParam !== null) {
    const digest = checkDigest(digestParam);
    const writer = await ctx.storage.content.writer();
    try {
      await new UploadSession(writer).append(ctx.req as AsyncIterable<Buffer>);
      const size = declaredLength(ctx.req);
      await writer.commit({ digest, ...(size !== undefined ? { size } : {}) });
    } catch (err) {
      await writer.abort();
      if (err instanceof DigestMismatchError) {
        throw new DistributionError(400, 'DIGEST_INVALID', `uploaded content does not match ${digest}`, {
          expected: err.expected,
          actual: err.actual,
        });
      }
      throw err;
    }
    await ctx.storage.linkBlob(name, digest);
    return blobCreated(ctx, name, digest);
  }
  await drain(ctx.req);
  const id = await ctx.uploads.create(name);
  sendEmpty(ctx.res, 202, sessionHeaders(name, id, 0));
}

/**
 * Appends the request body to the session. With `Content-Range: a-b` the chunk must start at the
 * current size (else 416) and be exactly b-a+1 bytes; without it (Docker streams a whole layer as
 * one chunked PATCH) the whole body is appended. A body that breaks its declaration cancels the
 * session, so nothing of it is stored.
 */
async function appendChunk(ctx: RouteContext, name: string, id: string, session: UploadSession) {
  const range = ctx.req.headers['content-range'];
  const length = declaredLength(ctx.req);
  if (range === undefined) {
    if (length === 0) return;
    await session.append(ctx.req as AsyncIterable<Buffer>, length);
    return;
  }
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(range.trim());
  if (!m)
    throw new DistributionError(
      400,
      'BLOB_UPLOAD_INVALID',
      `malformed Content-Range ${JSON.stringify(range)}`,
    );
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start !== session.size || end < start) {
    throw new DistributionError(
      416,
      'BLOB_UPLOAD_INVALID',
      `chunk ${start}-${end} does not continue the upload, which has ${session.size} bytes`,
      undefined,
      sessionHeaders(name, id, session.size),
    );
  }
  const expected = end - start + 1;
  if (length !== undefined && length !== expected) {
    throw new DistributionError(
      400,
      'SIZE_INVALID',
      `Content-Length ${length} disagrees with Content-Range ${range}`,
    );
  }
  const n = await session.append(ctx.req as AsyncIterable<Buffer>, expected);
  if (n !== expected) {
    throw new DistributionError(
      400,
      'SIZE_INVALID',
      `chunk has ${n} bytes, Content-Range declared ${expected}`,
    );
  }
}

async function withAppend(ctx: RouteContext, name: string, id: string): Promise<number> {
  try {
    return await ctx.uploads.with(name, id, async (session) => {
      await appendChunk(ctx, name, id, session);
      return session.size;
    });
  } catch (err) {
    if (err instanceof DistributionError && err.code === 'SIZE_INVALID') {
      await ctx.uploads.cancel(name, id).catch(() => undefined);
    }
    throw err;
  }
}

export async function patchUpload(ctx: RouteContext, name: string, id: string) {
  const size = await withAppend(ctx, name, id);
  sendEmpty(ctx.res, 202, sessionHeaders(name, id, size));
}

export async function putUpload(ctx: RouteContext, name: string, id: string) {
  const digest = checkDigest(ctx.query.get('digest'));
  await withAppend(ctx, name, id);
  const info = await ctx.uploads.commit(name, id, digest);
  ctx.logger.info({ name, digest, size: info.size }, 'blob uploaded');
  blobCreated(ctx, name, digest);
}

export async function uploadStatus(ctx: RouteContext, name: string, id: string) {
  const size = await ctx.uploads.offset(name, id);
  sendEmpty(ctx.res, 204, sessionHeaders(name, id, size));
}

export async function cancelUpload(ctx: RouteContext, name: string, id: string) {
  await ctx.uploads.cancel(name, id);
  sendEmpty(ctx.res, 204);
}
