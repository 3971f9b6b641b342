import { MediaType } from '../../constants.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ApiBackends } from '../api-backends.js';
import { versionAtLeast } from '../api-version.js';
import { intParam } from '../protocol/form-values.js';
import { bridgeStdio } from '../protocol/stdio-bridge.js';
import type { Router } from '../router.js';
import { toExecCreateInput, toExecInspect, toExecStartOptions } from '../wire/exec-mapper.js';

/** Exec: create, start (hijacked, plain, or detached), resize, inspect. */
export function registerExecRoutes(router: Router, { containers }: ApiBackends): void {
  router.post('/containers/:id/exec', async (ex) => {
    const input = toExecCreateInput(await ex.readJson());
    const id = await containers.createExec(ex.params.id ?? '', input);
    ex.json(201, { Id: id });
  });

  router.post('/exec/:id/start', async (ex) => {
    const execId = ex.params.id ?? '';
    // Read exactly the JSON body first: on an upgraded connection the bytes after it are stdin.
    const options = toExecStartOptions(await ex.readJson());
    const exec = await containers.inspectExec(execId);
    if (options.detach) {
      await containers.startExec(execId, options);
      ex.noContent(200);
      return;
    }
    const session = await containers.startExec(execId, options);
    const tty = options.tty ?? exec.input.tty ?? session.tty;
    const contentType =
      !tty && versionAtLeast(ex.apiVersion, '1.42')
        ? MediaType.DockerMultiplexedStream
        : MediaType.DockerRawStream;
    let conn: Awaited<ReturnType<typeof ex.hijack>>;
    try {
      conn = await ex.hijack(contentType);
    } catch (err) {
      session.detach();
      throw err;
    }
    // The exit code is recorded before the stream ends: clients inspect right after EOF.
    await bridgeStdio(session, conn, ex.log, () => session.exitCode.catch(() => undefined));
  });

  router.post('/exec/:id/resize', async (ex) => {
    const rows = intParam(ex.query, 'h') ?? 0;
    const cols = intParam(ex.query, 'w') ?? 0;
    if (rows < 0 || cols < 0) throw new InvalidArgumentError('resize needs positive h and w');
    await containers.resizeExec(ex.params.id ?? '', { rows, cols });
    ex.text(200, '');
  });

  router.get('/exec/:id/json', async (ex) => {
    ex.json(200, toExecInspect(await containers.inspectExec(ex.params.id ?? '')));
  });
}
