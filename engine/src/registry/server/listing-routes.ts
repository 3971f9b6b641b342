import { DistributionError } from './distribution-error.js';
import { sendJson } from './http-io.js';
import type { RouteContext } from './route-context.js';

/**
 * `n`/`last` pagination shared by `tags/list` and `_catalog`: entries sorted, those after `last`,
 * at most `n`; a `Link: <…?n=&last=>; rel="next"` header when more remain.
 */
function page(
  ctx: RouteContext,
  all: string[],
  path: string,
): { items: string[]; headers: Record<string, string> } {
  const nParam = ctx.query.get('n');
  const last = ctx.query.get('last');
  let items = last === null ? all : all.filter((x) => x > last);
  const headers: Record<string, string> = {};
  if (nParam !== null) {
    const n = Number(nParam);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new DistributionError(
        400,
        'BLOB_UPLOAD_INVALID',
        `invalid page size n=${JSON.stringify(nParam)}`,
      );
    }
    if (items.length > n) {
      items = items.slice(0, n);
      const next = items[items.length - 1];
      if (next !== undefined) {
        headers.Link = `<${path}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"`;
      }
    }
  }
  return { items, headers };
}

export async function listTags(ctx: RouteContext, name: string) {
  if (!(await ctx.storage.repositoryExists(name))) {
    throw new DistributionError(404, 'NAME_UNKNOWN', `repository ${name} is unknown`, { name });
  }
  const { items, headers } = page(ctx, await ctx.storage.tags(name), `/v2/${name}/tags/list`);
  sendJson(ctx.res, 200, { name, tags: items }, headers);
}

export async function catalog(ctx: RouteContext) {
  const { items, headers } = page(ctx, await ctx.storage.repositories(), '/v2/_catalog');
  sendJson(ctx.res, 200, { repositories: items }, headers);
}
