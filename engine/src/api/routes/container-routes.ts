import type { WaitCondition } from '../../containers/container-service.js';
import { InvalidArgumentError, NotFoundError, NotModifiedError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ApiBackends } from '../api-backends.js';
import { RouteNotFoundError } from '../api-errors.js';
import { assertFilterKeys, parseFilters } from '../protocol/filters.js';
import { boolParam, intParam, stringParam } from '../protocol/form-values.js';
import type { Router } from '../router.js';
import { toContainerCreateInput } from '../wire/container-create-mapper.js';
import { toContainerInspect, toContainerSummary } from '../wire/container-inspect-mapper.js';
import { toContainerUpdateInput } from '../wire/container-update-mapper.js';
import type { ContainerSummaryWire, WaitResponseWire } from '../wire/container-wire.js';

/** Filter keys moby accepts on `GET /containers/json`. */
const LIST_FILTERS = [
  'ancestor',
  'before',
  'expose',
  'exited',
  'health',
  'id',
  'isolation',
  'is-task',
  'label',
  'name',
  'network',
  'publish',
  'since',
  'status',
  'volume',
];

const WAIT_CONDITIONS: readonly WaitCondition[] = ['not-running', 'next-exit', 'removed'];

/** `t` (seconds) for stop/restart; API ≥ 1.42 clients may send `timeout`… moby reads `t`. */
function stopTimeout(query: URLSearchParams): number | undefined {
  return intParam(query, 't');
}

/**
 * moby removes an AutoRemove container whose start failed (`daemon/start.go`), and `docker run
 * --rm` waits for that removal after reporting the error; without it the CLI would hang.
 */
async function removeAfterFailedStartWith(
  containers: ApiBackends['containers'],
  id: string,
  err: unknown,
  log: Logger,
): Promise<void> {
  if (err instanceof NotModifiedError || err instanceof NotFoundError) return;
  try {
    const record = await containers.inspect(id);
    if (!record.spec.autoRemove || record.state.status === 'running') return;
    await containers.remove(record.id, { force: true, removeVolumes: true });
  } catch (cleanupErr) {
    log.warn({ err: cleanupErr, containerId: id }, 'cannot auto-remove the container after its failed start');
  }
}

/**
 * `SizeRw` (the writable layer) and `SizeRootFs` (that plus the image) of `docker ps --size` and
 * `system df`; an engine that cannot measure the writable layer reports 0.
 */
export async function addContainerSizes(
  summaries: ContainerSummaryWire[],
  { containers, images }: Pick<ApiBackends, 'containers' | 'images'>,
): Promise<void> {
  const imageSizes = new Map<string, Promise<number>>();
  const imageSize = (id: string) => {
    let size = imageSizes.get(id);
    if (!size) {
      size = images.inspect(id).then(
        (i) => i.size,
        () => 0,
      );
      imageSizes.set(id, size);
    }
    return size;
  };
  await Promise.all(
    summaries.map(async (c) => {
      c.SizeRw = containers.sizeRw ? await containers.sizeRw(c.Id).catch(() => 0) : 0;
      c.SizeRootFs = c.SizeRw + (await imageSize(c.ImageID));
    }),
  );
}

/** Container lifecycle, inspect and list (`/containers/...`). Streams live in `container-io-routes.ts`. */
export function registerContainerRoutes(router: Router, { containers, images }: ApiBackends): void {
  const removeAfterFailedStart = (id: string, err: unknown, log: Logger) =>
    removeAfterFailedStartWith(containers, id, err, log);

  router.get('/containers/json', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, LIST_FILTERS);
    const limit = intParam(ex.query, 'limit');
    // A status, before/since filter or a limit implies all (moby `daemon/list.go`).
    const all =
      boolParam(ex.query, 'all') ||
      filters.status !== undefined ||
      filters.before !== undefined ||
      filters.since !== undefined ||
      (limit !== undefined && limit > 0);
    const records = await containers.list(
      limit !== undefined && limit > 0 ? { all, filters, limit } : { all, filters },
    );
    const now = Date.now();
    const summaries = records.map((r) => toContainerSummary(r, now));
    if (boolParam(ex.query, 'size')) await addContainerSizes(summaries, { containers, images });
    ex.json(200, summaries);
  });

  router.post('/containers/create', async (ex) => {
    const input = toContainerCreateInput(await ex.readJson(), {
      name: stringParam(ex.query, 'name'),
      platform: stringParam(ex.query, 'platform'),
    });
    const { id, warnings } = await containers.create(input);
    ex.json(201, { Id: id, Warnings: warnings });
  });

  router.post('/containers/prune', async (ex) => {
    const filters = parseFilters(ex.query.get('filters'));
    assertFilterKeys(filters, ['label', 'label!', 'until']);
    const { deleted, spaceReclaimed } = await containers.prune(filters);
    ex.json(200, { ContainersDeleted: deleted, SpaceReclaimed: spaceReclaimed });
  });

  router.get('/containers/:id/json', async (ex) => {
    ex.json(200, toContainerInspect(await containers.inspect(ex.params.id ?? '')));
  });

  router.post('/containers/:id/start', async (ex) => {
    const id = ex.params.id ?? '';
    try {
      await containers.start(id);
    } catch (err) {
      await removeAfterFailedStart(id, err, ex.log);
      throw err;
    }
    ex.noContent();
  });

  router.post('/containers/:id/stop', async (ex) => {
    const options: { timeoutSeconds?: number; signal?: string } = {};
    const t = stopTimeout(ex.query);
    if (t !== undefined) options.timeoutSeconds = t;
    const signal = stringParam(ex.query, 'signal');
    if (signal) options.signal = signal;
    await containers.stop(ex.params.id ?? '', options);
    ex.noContent();
  });

  router.post('/containers/:id/restart', async (ex) => {
    const t = stopTimeout(ex.query);
    await containers.restart(ex.params.id ?? '', t === undefined ? {} : { timeoutSeconds: t });
    ex.noContent();
  });

  router.post('/containers/:id/kill', async (ex) => {
    await containers.kill(ex.params.id ?? '', stringParam(ex.query, 'signal'));
    ex.noContent();
  });

  router.post('/containers/:id/pause', async (ex) => {
    await containers.pause(ex.params.id ?? '');
    ex.noContent();
  });

  router.post('/containers/:id/unpause', async (ex) => {
    await containers.unpause(ex.params.id ?? '');
    ex.noContent();
  });

  router.post('/containers/:id/rename', async (ex) => {
    const name = stringParam(ex.query, 'name');
    if (!name) throw new InvalidArgumentError('rename needs the new name in the "name" query parameter');
    await containers.rename(ex.params.id ?? '', name);
    ex.noContent();
  });

  router.post('/containers/:id/resize', async (ex) => {
    const rows = intParam(ex.query, 'h') ?? 0;
    const cols = intParam(ex.query, 'w') ?? 0;
    if (rows < 0 || cols < 0) throw new InvalidArgumentError('resize needs positive h and w');
    await containers.resize(ex.params.id ?? '', { rows, cols });
    ex.text(200, '');
  });

  router.delete('/containers/:id', async (ex) => {
    if (boolParam(ex.query, 'link')) {
      throw new InvalidArgumentError('legacy links are not supported: there is no link to remove');
    }
    await containers.remove(ex.params.id ?? '', {
      force: boolParam(ex.query, 'force'),
      removeVolumes: boolParam(ex.query, 'v'),
    });
    ex.noContent();
  });

  router.post('/containers/:id/update', async (ex) => {
    if (!containers.update) throw new RouteNotFoundError();
    const { input, warnings } = toContainerUpdateInput(await ex.readJson());
    const result = await containers.update(ex.params.id ?? '', input);
    ex.json(200, { Warnings: [...warnings, ...result.warnings] });
  });

  router.get('/containers/:id/top', async (ex) => {
    const { titles, processes } = await containers.top(ex.params.id ?? '', stringParam(ex.query, 'ps_args'));
    ex.json(200, { Titles: titles, Processes: processes });
  });

  router.post('/containers/:id/wait', async (ex) => {
    const id = ex.params.id ?? '';
    const condition = (stringParam(ex.query, 'condition') ?? 'not-running') as WaitCondition;
    if (!WAIT_CONDITIONS.includes(condition)) {
      throw new InvalidArgumentError(
        `invalid condition ${JSON.stringify(condition)}: use not-running, next-exit or removed`,
      );
    }
    await containers.inspect(id);
    // Register the waiter, then flush the headers at once (API ≥ 1.30): `docker run` starts the
    // container only after it saw them, and `run -d` drops the request freely (the signal cleans up).
    const waiting = containers.wait(id, condition, ex.signal);
    const out = ex.stream(200, 'application/json');
    let reply: WaitResponseWire;
    try {
      const result = await waiting;
      reply = { StatusCode: result.statusCode, Error: result.error ? { Message: result.error } : null };
    } catch (err) {
      if (ex.signal.aborted) return;
      reply = { StatusCode: -1, Error: { Message: err instanceof Error ? err.message : String(err) } };
    }
    out.end(`${JSON.stringify(reply)}\n`);
  });

  router.post('/commit', async (ex) => {
    const ref = stringParam(ex.query, 'container');
    if (!ref) throw new InvalidArgumentError('commit needs the container in the "container" query parameter');
    // The body is a container.Config overlay in moby; dockerode sends the query keys again. Only
    // `changes` (Dockerfile instructions) are applied to the new image's config.
    await ex.readBody();
    const changes = ex.query
      .getAll('changes')
      .flatMap((c) => c.split('\n'))
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const input: Parameters<typeof containers.commit>[1] = {
      changes,
      pause: boolParam(ex.query, 'pause', true),
    };
    const repo = stringParam(ex.query, 'repo');
    const tag = stringParam(ex.query, 'tag');
    const comment = stringParam(ex.query, 'comment');
    const author = stringParam(ex.query, 'author');
    if (repo) input.repo = repo;
    if (tag) input.tag = tag;
    if (comment) input.comment = comment;
    if (author) input.author = author;
    const { id } = await containers.commit(ref, input);
    ex.json(201, { Id: id });
  });
}
