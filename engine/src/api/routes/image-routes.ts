import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '../../errors.js';
import type { ProgressMessage } from '../../images/image-service.js';
import { parseReference } from '../../images/reference.js';
import type { ApiBackends } from '../api-backends.js';
import { assertFilterKeys, parseFilters } from '../protocol/filters.js';
import { boolParam, stringParam } from '../protocol/form-values.js';
import { JsonLinesResponse } from '../protocol/json-lines.js';
import { parseRegistryAuthHeader } from '../protocol/registry-auth-header.js';
import type { Router } from '../router.js';
import { familiar, toImageInspect, toImageSummary } from '../wire/image-mapper.js';

const DIGEST_TAG = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

/**
 * `fromImage` + `tag` → one reference. dockerode splits `repo@sha256:…` into `fromImage=repo&tag=sha256:…`,
 * so a tag that parses as a digest means "by digest" (moby `postImagesCreate`).
 */
export function pullReference(fromImage: string, tag: string | undefined): string {
  if (!tag) return fromImage;
  return DIGEST_TAG.test(tag) ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
}

/** `changes` arrives repeated (docker CLI) or as one value with newline-separated lines (dockerode). */
function changesParam(query: URLSearchParams): string[] {
  return query
    .getAll('changes')
    .flatMap((c) => c.split('\n'))
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/**
 * Images. Fixed paths are registered before the `*name` patterns: names are not URL-encoded, so
 * `/images/{name}/json` takes everything between `/images/` and the last fixed suffix.
 */
export function registerImageRoutes(router: Router, { images }: ApiBackends): void {
  router.get('/images/json', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, ['before', 'dangling', 'label', 'reference', 'since', 'until']);
    const list = await images.list({ all: boolParam(ex.query, 'all'), filters });
    ex.json(
      200,
      list.map((i) => toImageSummary(i)),
    );
  });

  router.post('/images/create', async (ex) => {
    const fromSrc = stringParam(ex.query, 'fromSrc');
    const fromImage = stringParam(ex.query, 'fromImage');
    const platform = stringParam(ex.query, 'platform');
    const progress = new JsonLinesResponse(ex);
    if (fromSrc !== undefined) {
      if (fromSrc !== '-') {
        throw new InvalidArgumentError(
          `importing from a URL (${fromSrc}) is not supported: send the archive as the request body with fromSrc=-`,
        );
      }
      const repo = stringParam(ex.query, 'repo');
      const tag = stringParam(ex.query, 'tag');
      const options: Parameters<typeof images.importTar>[1] = { changes: changesParam(ex.query) };
      if (repo) options.ref = tag ? `${repo}:${tag}` : repo;
      const message = stringParam(ex.query, 'message');
      if (message) options.message = message;
      if (platform) options.platform = platform;
      const image = await images.importTar(ex.bodyStream(), options);
      progress.write({ status: image.id });
      progress.end();
      return;
    }
    if (!fromImage)
      throw new InvalidArgumentError('images/create needs fromImage (pull) or fromSrc=- (import)');
    const ref = pullReference(fromImage, stringParam(ex.query, 'tag'));
    parseReference(ref);
    const auth = parseRegistryAuthHeader(ex.req.headers['x-registry-auth']);
    const options: Parameters<typeof images.pull>[1] = { progress: (m) => progress.write(m) };
    if (platform) options.platform = platform;
    if (auth) options.auth = auth;
    try {
      await images.pull(ref, options);
    } catch (err) {
      if (!progress.started) throw err;
      progress.fail(err);
    }
    progress.end();
  });

  router.post('/images/load', async (ex) => {
    const progress = new JsonLinesResponse(ex);
    const quiet = boolParam(ex.query, 'quiet');
    // The service may announce `Loaded image: …` itself; each line goes out once either way.
    const announced = new Set<string>();
    const onProgress = (m: ProgressMessage) => {
      if (m.stream?.startsWith('Loaded image')) announced.add(m.stream);
      if (!quiet || m.stream?.startsWith('Loaded image')) progress.write(m);
    };
    const { loaded } = await images.load(ex.bodyStream(), { progress: onProgress });
    for (const name of loaded) {
      const line = name.startsWith('sha256:')
        ? `Loaded image ID: ${name}\n`
        : `Loaded image: ${familiar(name)}\n`;
      if (!announced.has(line)) progress.write({ stream: line });
    }
    progress.end();
  });

  router.get('/images/get', async (ex) => {
    await saveImages(ex.query.getAll('names'), ex);
  });

  router.post('/images/prune', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, ['dangling', 'label', 'label!', 'until']);
    const danglingOnly =
      filters.dangling === undefined || filters.dangling.some((v) => v === 'true' || v === '1');
    const { deleted, spaceReclaimed } = await images.prune({ dangling: danglingOnly, filters });
    ex.json(200, { ImagesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: spaceReclaimed });
  });

  router.get('/images/search', () => {
    throw new InvalidArgumentError('image search is not supported: Skiff has no index to search');
  });

  router.get('/images/*name/json', async (ex) => {
    ex.json(200, toImageInspect(await images.inspect(ex.params.name ?? '')));
  });

  router.get('/images/*name/history', async (ex) => {
    ex.json(200, await images.history(ex.params.name ?? ''));
  });

  router.get('/images/*name/get', async (ex) => {
    await saveImages([ex.params.name ?? ''], ex);
  });

  router.post('/images/*name/tag', async (ex) => {
    const repo = stringParam(ex.query, 'repo');
    if (!repo)
      throw new InvalidArgumentError('tag needs the target repository in the "repo" query parameter');
    const tag = stringParam(ex.query, 'tag');
    await images.tag(ex.params.name ?? '', tag ? `${repo}:${tag}` : repo);
    ex.noContent(201);
  });

  router.post('/images/*name/push', async (ex) => {
    const ref = pullReference(ex.params.name ?? '', stringParam(ex.query, 'tag'));
    const auth = parseRegistryAuthHeader(ex.req.headers['x-registry-auth']);
    const progress = new JsonLinesResponse(ex);
    const options: Parameters<typeof images.push>[1] = { progress: (m) => progress.write(m) };
    if (auth) options.auth = auth;
    try {
      await images.push(ref, options);
    } catch (err) {
      if (!progress.started) throw err;
      progress.fail(err);
    }
    progress.end();
  });

  router.delete('/images/*name', async (ex) => {
    const deleted = await images.remove(ex.params.name ?? '', {
      force: boolParam(ex.query, 'force'),
      noprune: boolParam(ex.query, 'noprune'),
    });
    ex.json(
      200,
      deleted.map((d) => ('Untagged' in d ? { Untagged: familiar(d.Untagged) } : d)),
    );
  });

  async function saveImages(names: string[], ex: Parameters<Parameters<Router['get']>[1]>[0]): Promise<void> {
    if (names.length === 0) throw new InvalidArgumentError('save needs at least one image name');
    // Every name must exist before the first byte: afterwards only a cut connection can report it.
    for (const name of names) await images.inspect(name);
    const tar = images.save(names);
    const out = ex.stream(200, 'application/x-tar');
    await pipeline(tar, out);
  }
}
