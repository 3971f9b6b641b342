import { pipeline } from 'node:stream/promises';
import { Header } from '../../constants.js';
import type { PathStat } from '../../containers/container-service.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ApiBackends } from '../api-backends.js';
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

/** Copy in and out of containers (created, running or stopped): HEAD stat, GET tar, PUT tar. */
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
}
