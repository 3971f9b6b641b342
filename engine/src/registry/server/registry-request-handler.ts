import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Header } from '../../constants.js';
import { DISTRIBUTION_API_VERSION, RegistryHeader } from '../registry-constants.js';
import { deleteBlob, getBlob } from './blob-routes.js';
import { DistributionError } from './distribution-error.js';
import type { Htpasswd } from './htpasswd.js';
import { drain, sendJson } from './http-io.js';
import { catalog, listTags } from './listing-routes.js';
import { deleteManifest, getManifest, putManifest } from './manifest-routes.js';
import { parseRegistryRoute, type RegistryRoute } from './registry-route.js';
import type { RegistryStorage } from './registry-storage.js';
import type { RouteContext } from './route-context.js';
import { cancelUpload, patchUpload, putUpload, startUpload, uploadStatus } from './upload-routes.js';
import type { UploadSessions } from './upload-sessions.js';

const REALM = 'Skiff Registry';

function unsupported(method: string | undefined, route: RegistryRoute): never {
  throw new DistributionError(405, 'UNSUPPORTED', `${method} is not supported on ${route.kind}`);
}

async function dispatch(ctx: RouteContext, route: RegistryRoute): Promise<void> {
  const method = ctx.req.method ?? 'GET';
  const head = method === 'HEAD';
  switch (route.kind) {
    case 'base':
      if (method !== 'GET' && !head) unsupported(method, route);
      return sendJson(ctx.res, 200, {});
    case 'catalog':
      if (method !== 'GET') unsupported(method, route);
      return catalog(ctx);
    case 'tags':
      if (method !== 'GET') unsupported(method, route);
      return listTags(ctx, route.name);
    case 'manifest':
      if (method === 'GET' || head) return getManifest(ctx, route.name, route.reference, head);
      if (method === 'PUT') return putManifest(ctx, route.name, route.reference);
      if (method === 'DELETE') return deleteManifest(ctx, route.name, route.reference);
      return unsupported(method, route);
    case 'blob':
      if (method === 'GET' || head) return getBlob(ctx, route.name, route.digest, head);
      if (method === 'DELETE') return deleteBlob(ctx, route.name, route.digest);
      return unsupported(method, route);
    case 'uploads':
      if (method !== 'POST') unsupported(method, route);
      return startUpload(ctx, route.name);
    case 'upload':
      if (method === 'PATCH') return patchUpload(ctx, route.name, route.id);
      if (method === 'PUT') return putUpload(ctx, route.name, route.id);
      if (method === 'GET') return uploadStatus(ctx, route.name, route.id);
      if (method === 'DELETE') return cancelUpload(ctx, route.name, route.id);
      return unsupported(method, route);
  }
}

/**
 * The distribution API over node:http: authenticates (optional htpasswd Basic), routes the raw
 * path, and turns every failure into the spec's error JSON in this one place.
 */
export class RegistryRequestHandler {
  private nextId = 0;

  constructor(
    private readonly storage: RegistryStorage,
    private readonly uploads: UploadSessions,
    private readonly logger: Logger,
    private readonly htpasswd?: Htpasswd,
  ) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const logger = this.logger.child({ req: ++this.nextId });
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    res.setHeader(Header.DistributionApiVersion, DISTRIBUTION_API_VERSION);
    const ctx: RouteContext = { req, res, query, storage: this.storage, uploads: this.uploads, logger };
    this.run(ctx, rawPath)
      .catch((err: unknown) => this.fail(ctx, err))
      .finally(() => {
        logger.debug(
          {
            method: req.method,
            path: rawPath,
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      });
  };

  private async run(ctx: RouteContext, rawPath: string): Promise<void> {
    if (this.htpasswd) {
      const user = await this.htpasswd.verifyHeader(ctx.req.headers.authorization);
      if (user === undefined) {
        throw new DistributionError(401, 'UNAUTHORIZED', 'authentication required', undefined, {
          [RegistryHeader.WwwAuthenticate]: `Basic realm="${REALM}"`,
        });
      }
    }
    await dispatch(ctx, parseRegistryRoute(rawPath));
  }

  private fail(ctx: RouteContext, err: unknown): void {
    const { res, req } = ctx;
    const error =
      err instanceof DistributionError
        ? err
        : new DistributionError(500, 'UNSUPPORTED', 'internal error; see the registry log');
    if (!(err instanceof DistributionError))
      ctx.logger.error({ err, method: req.method, url: req.url }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, error.status, error.toJSON(), error.headers);
    // An unread request body must not be taken for the next request on this connection.
    void drain(req).catch(() => undefined);
  }
}
