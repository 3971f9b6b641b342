import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Header } from '../../constants.js';
import type { BlobInfo } from '../../content/content-store.js';
import { type Digest, isDigest } from '../../content/digest.js';
import { DistributionError } from './distribution-error.js';
import { sendEmpty } from './http-io.js';
import type { RouteContext } from './route-context.js';

export function checkDigest(value: string | null | undefined, what = 'digest'): Digest {
  if (value == null || !isDigest(value)) {
    throw new DistributionError(
      400,
      'DIGEST_INVALID',
      `invalid ${what} ${JSON.stringify(value)}: expected sha256:<64 hex>`,
    );
  }
  return value;
}

async function find(ctx: RouteContext, name: string, digestParam: string): Promise<BlobInfo> {
  const digest = checkDigest(digestParam);
  const info = await ctx.storage.blobInfo(name, digest);
  if (!info)
    throw new DistributionError(404, 'BLOB_UNKNOWN', `blob ${digest} is unknown to ${name}`, { digest });
  return info;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive start/end; undefined for no or multiple ranges. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) {
    throw new DistributionError(
      416,
      'RANGE_INVALID',
      `range ${header} is outside the blob of ${size} bytes`,
      undefined,
      {
        'Content-Range': `bytes */${size}`,
      },
    );
  }
  return { start, end };
}

export async function getBlob(ctx: RouteContext, name: string, digestParam: string, head: boolean) {
  const info = await find(ctx, name, digestParam);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    [Header.ContentDigest]: info.digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${info.digest}"`,
    'Cache-Control': 'max-age=31536000',
  };
  const range = parseRange(ctx.req.headers.range, info.size);
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${info.size}`;
    headers['Content-Length'] = range.end - range.start + 1;
  } else {
    headers['Content-Length'] = info.size;
  }
  ctx.res.writeHead(range ? 206 : 200, headers);
  if (head || info.size === 0) {
    ctx.res.end();
    return;
  }
  // Straight from the blob file with large reads: this is the hot path of every pull.
  const file = createReadStream(ctx.storage.content.pathOf(info.digest), {
    start: range?.start,
    end: range?.end,
    highWaterMark: 1 << 20,
  });
  await pipeline(file, ctx.res);
}

export async function deleteBlob(ctx: RouteContext, name: string, digestParam: string) {
  const digest = checkDigest(digestParam);
  if (!(await ctx.storage.unlinkBlob(name, digest))) {
    throw new DistributionError(404, 'BLOB_UNKNOWN', `blob ${digest} is unknown to ${name}`, { digest });
  }
  sendEmpty(ctx.res, 202, { [Header.ContentDigest]: digest });
}
