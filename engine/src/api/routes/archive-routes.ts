import { pipeline } from 'node:stream/promises';
import { Header } from '../../constants.js';
import type { PathStat } from '../../containers/container-service.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ApiBackends } from '../api-backends.js';
import { RouteNotFoundError } from '../api-errors.js';
import { boolParam, stringParam } from '../protocol/form-values.js';
import type { Router } from '../router.js';

/** `X-Docker-Container-Path-Stat`: base64 of the stat JSON; `mode` uses Go's os.FileMode bits (`docker cp` tests IsDir on it). */
export function pathStatHeader(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

function pathParam(query: URLSearchParams): string {
  const path = stringParam(query, 'path');
  if (!path) throw new InvalidArgumentError('the "path" query parameter is required');
  return path;
}

/**
 * A container's files: copy in and out (created, running or stopped: HEAD stat, GET tar, PUT
 * tar), `export` (the whole root filesystem as a tar) and `changes` (`docker diff`).
 */
export function registerArchiveRoutes(router: Router, { containers }: ApiBackends): void {
  router.head('/containers/:id/archive', async (ex) => {
    const stat = await containers.statPath(ex.params.id ?? '', pathParam(ex.query));
    ex.send(
      200,
      { [Header.ContainerPathStat]: pathStatHeader(stat), 'Content-Type': 'application/x-tar' },
      undefined,
    );
  });

  router.get('/containers/:id/archive', async (ex) => {
    const { stat, tar } = await containers.getArchive(ex.params.id ?? '', pathParam(ex.query));
    const out = ex.stream(200, 'application/x-tar', { [Header.ContainerPathStat]: pathStatHeader(stat) });
    await pipeline(tar, out);
  });

  router.put('/containers/:id/archive', async (ex) => {
    await containers.putArchive(ex.params.id ?? '', pathParam(ex.query), ex.bodyStream(), {
      noOverwriteDirNonDir: boolParam(ex.query, 'noOverwriteDirNonDir'),
      copyUIDGID: boolParam(ex.query, 'copyUIDGID'),
    });
    ex.text(200, '');
  });

  router.get('/containers/:id/export', async (ex) => {
    if (!containers.exportFilesystem) throw new RouteNotFoundError();
    const tar = await containers.exportFilesystem(ex.params.id ?? '');
    await pipeline(tar, ex.stream(200, 'application/x-tar'));
  });

  router.get('/containers/:id/changes', async (ex) => {
    if (!containers.changes) throw new RouteNotFoundError();
    const changes = await containers.changes(ex.params.id ?? '');
    ex.json(
      200,
      changes.map((c) => ({ Path: c.path, Kind: c.kind })),
    );
  });
}
