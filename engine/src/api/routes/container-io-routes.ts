import { MediaType } from '../../constants.js';
import type { LogsOptions, OutputChunk } from '../../containers/container-service.js';
import { InvalidArgumentError } from '../../errors.js';
import type { ApiBackends } from '../api-backends.js';
import { versionAtLeast } from '../api-version.js';
import { boolParam, intParam, stringParam, timestampParam } from '../protocol/form-values.js';
import { encodeFrames, StreamType } from '../protocol/multiplexed-stream.js';
import { bridgeStdio } from '../protocol/stdio-bridge.js';
import { abortable, writeChunk } from '../protocol/stream-write.js';
import type { Router } from '../router.js';
import { toStatsWire } from '../wire/stats-mapper.js';

/** multiplexed-stream when there is no TTY and the client speaks API ≥ 1.42, raw-stream otherwise. */
function streamContentType(tty: boolean, apiVersion: string): string {
  return !tty && versionAtLeast(apiVersion, '1.42')
    ? MediaType.DockerMultiplexedStream
    : MediaType.DockerRawStream;
}

/** `tail=all`, empty or negative means everything. */
function tailParam(query: URLSearchParams): number | undefined {
  const raw = stringParam(query, 'tail');
  if (raw === undefined || raw === 'all') return undefined;
  const n = intParam(query, 'tail');
  return n === undefined || n < 0 ? undefined : n;
}

/** Streaming container endpoints: logs, attach, stats. */
export function registerContainerIoRoutes(router: Router, { containers }: ApiBackends): void {
  router.get('/containers/:id/logs', async (ex) => {
    const id = ex.params.id ?? '';
    const stdout = boolParam(ex.query, 'stdout');
    const stderr = boolParam(ex.query, 'stderr');
    if (!stdout && !stderr) {
      throw new InvalidArgumentError('Bad parameters: you must choose at least one stream');
    }
    const record = await containers.inspect(id);
    const tty = record.spec.tty;
    const options: LogsOptions = {
      stdout,
      stderr,
      follow: boolParam(ex.query, 'follow'),
      timestamps: boolParam(ex.query, 'timestamps'),
      signal: ex.signal,
    };
    const since = timestampParam(ex.query, 'since');
    const until = timestampParam(ex.query, 'until');
    const tail = tailParam(ex.query);
    if (since !== undefined && since > 0) options.since = since;
    if (until !== undefined && until > 0) options.until = until;
    if (tail !== undefined) options.tail = tail;
    const source = containers.logs(record.id, options);
    const out = ex.stream(200, streamContentType(tty, ex.apiVersion));
    for await (const chunk of abortable<OutputChunk>(source, ex.signal)) {
      const bytes = tty
        ? chunk.data
        : encodeFrames(chunk.stream === 'stderr' ? StreamType.stderr : StreamType.stdout, chunk.data);
      if (!(await writeChunk(out, bytes, ex.signal))) return;
    }
    out.end();
  });

  router.post('/containers/:id/attach', async (ex) => {
    const id = ex.params.id ?? '';
    const session = await containers.attach(id, {
      stdin: boolParam(ex.query, 'stdin'),
      stdout: boolParam(ex.query, 'stdout'),
      stderr: boolParam(ex.query, 'stderr'),
      logs: boolParam(ex.query, 'logs'),
      stream: boolParam(ex.query, 'stream'),
    });
    let conn: Awaited<ReturnType<typeof ex.hijack>>;
    try {
      conn = await ex.hijack(streamContentType(session.tty, ex.apiVersion));
    } catch (err) {
      session.detach();
      throw err;
    }
    await bridgeStdio(session, conn, ex.log);
  });

  router.get('/containers/:id/stats', async (ex) => {
    const id = ex.params.id ?? '';
    const record = await containers.inspect(id);
    const stream = boolParam(ex.query, 'stream', true);
    const oneShot = boolParam(ex.query, 'one-shot');
    const sampleEveryMs = 1000;
    const name = `/${record.spec.name}`;
    if (!stream) {
      // Without one-shot, moby waits for a second sample so precpu_stats is meaningful (the CLI
      // computes CPU % from the difference).
      const first = await containers.stats(record.id);
      if (oneShot) {
        ex.json(200, toStatsWire(record.id, name, first, undefined));
        return;
      }
      await new Promise((r) => setTimeout(r, sampleEveryMs / 2));
      const second = await containers.stats(record.id);
      ex.json(200, toStatsWire(record.id, name, second, first));
      return;
    }
    const out = ex.stream(200, 'application/json');
    let previous = await containers.stats(record.id);
    if (
      !(await writeChunk(
        out,
        `${JSON.stringify(toStatsWire(record.id, name, previous, undefined))}\n`,
        ex.signal,
      ))
    )
      return;
    while (!ex.signal.aborted) {
      await new Promise((r) => setTimeout(r, sampleEveryMs));
      if (ex.signal.aborted) return;
      let current: typeof previous;
      try {
        current = await containers.stats(record.id);
      } catch {
        break;
      }
      const line = `${JSON.stringify(toStatsWire(record.id, name, current, previous))}\n`;
      if (!(await writeChunk(out, line, ex.signal))) return;
      previous = current;
    }
    out.end();
  });
}
