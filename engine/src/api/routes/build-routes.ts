import { decompressed } from '../../builder/executor/add-archive.js';
import { receiveBuildContext } from '../../builder/executor/build-context.js';
import { RunStepFailedError } from '../../builder/executor/build-errors.js';
import type { BuildRequest } from '../../builder/executor/build-types.js';
import type { ImageBuilder } from '../../builder/executor/image-builder.js';
import { errorMessage, InvalidArgumentError } from '../../errors.js';
import type { RouteModule } from '../api-router.js';
import type { HttpExchange } from '../http-exchange.js';
import { boolParam, stringParam } from '../protocol/form-values.js';
import { JsonLinesResponse } from '../protocol/json-lines.js';
import { parseRegistryConfigHeader } from '../protocol/registry-auth-header.js';

export interface BuildRoutesDeps {
  builder: ImageBuilder;
  /** Where uploaded contexts are spooled: on disk, under the engine's root. */
  spoolDir: string;
}

/** A JSON object of strings (`buildargs`, `labels`); null values are left out, as "not set". */
function stringMap(query: URLSearchParams, key: string): Map<string, string> {
  const raw = stringParam(query, key);
  const out = new Map<string, string>();
  if (raw === undefined) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError(`invalid ${key}: ${JSON.stringify(raw)} is not a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`invalid ${key}: expected a JSON object of strings`);
  }
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null) continue;
    if (typeof v !== 'string')
      throw new InvalidArgumentError(`invalid ${key}: the value of ${k} is not a string`);
    out.set(k, v);
  }
  return out;
}

/** moby's `newImageBuildOptions`: the classic builder's query parameters. */
export function buildRequestFrom(ex: HttpExchange): BuildRequest & { dockerfile?: string } {
  const q = ex.query;
  const version = stringParam(q, 'version');
  if (version !== undefined && version !== '1') {
    throw new InvalidArgumentError(
      `builder version ${version} (BuildKit) is not supported: Skiff has the classic builder; set DOCKER_BUILDKIT=0 or leave version unset`,
    );
  }
  if (stringParam(q, 'remote') !== undefined) {
    throw new InvalidArgumentError(
      'building from a remote context (git or URL) is not supported: send the context as a tar body',
    );
  }
  const labels = stringMap(q, 'labels');
  const dockerfile = stringParam(q, 'dockerfile');
  const networkMode = stringParam(q, 'networkmode');
  const target = stringParam(q, 'target');
  const platform = stringParam(q, 'platform');
  const registryAuth = parseRegistryConfigHeader(ex.req.headers['x-registry-config']);
  return {
    tags: q.getAll('t').filter((t) => t !== ''),
    buildArgs: stringMap(q, 'buildargs'),
    noCache: boolParam(q, 'nocache'),
    pull: boolParam(q, 'pull'),
    quiet: boolParam(q, 'q'),
    ...(labels.size > 0 ? { labels: Object.fromEntries(labels) } : {}),
    ...(dockerfile ? { dockerfile } : {}),
    ...(networkMode ? { networkMode } : {}),
    ...(target ? { target } : {}),
    ...(platform ? { platform } : {}),
    ...(Object.keys(registryAuth).length > 0 ? { registryAuth } : {}),
    signal: ex.signal,
  };
}

/**
 * `POST /build` (classic builder): the body is the context as a tar (optionally compressed),
 * spooled to disk as it arrives; the answer is Docker's JSON-lines stream. Everything that can be
 * wrong with the request, the context or the Dockerfile is an HTTP error before the first line;
 * once the steps run, failures are reported in-band with an `errorDetail` code (a RUN's exit code).
 * The tags exist when the stream ends.
 */
export function buildRoutes(deps: BuildRoutesDeps): RouteModule {
  return (router) => {
    /**
     * `docker builder prune`, `docker system prune`: moby prunes BuildKit's cache here, which
     * Skiff does not have. The classic builder's cache is its step images — untagged images that
     * `POST /images/prune` removes, after which their cache entries are never used again — so
     * there is nothing else to delete.
     */
    router.post('/build/prune', async (ex) => {
      await ex.readBody();
      ex.json(200, { CachesDeleted: [], SpaceReclaimed: 0 });
    });

    router.post('/build', async (ex) => {
      const request = buildRequestFrom(ex);
      const checked = deps.builder.check(request);
      const context = await receiveBuildContext(await decompressed(ex.bodyStream()), {
        spoolDir: deps.spoolDir,
        ...(request.dockerfile ? { dockerfile: request.dockerfile } : {}),
        signal: ex.signal,
      });
      try {
        const plan = deps.builder.plan(context, request, checked);
        const out = new JsonLinesResponse(ex);
        if (stringParam(ex.query, 'cachefrom') !== undefined && !request.quiet) {
          out.write({
            stream:
              '[WARNING]: cachefrom is ignored: the build cache is shared by every build on this machine\n',
          });
        }
        try {
          await deps.builder.run(context, request, checked, plan, (m) => out.write(m));
        } catch (err: unknown) {
          if (!out.started) throw err;
          const code = err instanceof RunStepFailedError ? err.exitCode : 1;
          const message = errorMessage(err);
          ex.log.info({ err: message }, 'build failed');
          out.write({ errorDetail: { code, message }, error: message });
        }
        out.end();
      } finally {
        await context.close();
      }
    });
  };
}
