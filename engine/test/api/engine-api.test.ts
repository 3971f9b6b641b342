import { readFileSync } from 'node:fs';
import { busyboxTar, SkiffdHarness } from '@skiff/testing';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/api/protocol/multiplexed-stream.js';
import type { ContainerInspectWire } from '../../src/api/wire/container-wire.js';

const V = '/v1.45';
const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json' },
});

function frames(body: Buffer): [number, string][] {
  return new FrameDecoder().push(body).map((f) => [f.stream, f.payload.toString()]);
}

function splitHead(response: Buffer): { head: string[]; body: Buffer } {
  const end = response.indexOf('\r\n\r\n');
  return { head: response.subarray(0, end).toString().split('\r\n'), body: response.subarray(end + 4) };
}

describe('the Docker API of a real skiffd', () => {
  const h = new SkiffdHarness();

  const create = async (body: Record<string, unknown>, name?: string): Promise<string> => {
    const r = await h.http(
      'POST',
      `${V}/containers/create${name ? `?name=${name}` : ''}`,
      json({ Image: 'busybox', ...body }),
    );
    expect(r.status, r.body.toString()).toBe(201);
    return r.json<{ Id: string }>().Id;
  };

  const runToExit = async (body: Record<string, unknown>): Promise<string> => {
    const id = await create(body);
    const waiting = h.http('POST', `${V}/containers/${id}/wait?condition=next-exit`);
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.http('POST', `${V}/containers/${id}/start`)).status).toBe(204);
    expect((await waiting).status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    await h.prepare();
    await h.start();
    const tarPath = await busyboxTar();
    const r = await h.http(
      'POST',
      `${V}/images/create?fromSrc=-&repo=busybox&tag=latest&changes=CMD%20%5B%22sh%22%5D`,
      {
        body: readFileSync(tarPath),
        headers: { 'Content-Type': 'application/x-tar' },
      },
    );
    expect(r.status, r.body.toString()).toBe(200);
    expect(r.body.toString()).toMatch(/"status":"sha256:[0-9a-f]{64}"/);
  }, 180_000);

  afterAll(async () => {
    await h.stop();
    await h.cleanup();
  });

  it('answers /_ping with the headers the docker CLI negotiates with', async () => {
    const head = await h.http('HEAD', '/_ping');
    expect(head.status).toBe(200);
    expect(head.headers['api-version']).toBe('1.45');
    expect(head.headers.ostype).toBe('linux');
    expect(head.headers['docker-experimental']).toBe('false');
    expect(head.headers['builder-version']).toBe('1');
    const get = await h.http('GET', '/_ping');
    expect(get.body.toString()).toBe('OK');
    const version = (await h.http('GET', `${V}/version`)).json<Record<string, unknown>>();
    expect(version).toMatchObject({ ApiVersion: '1.45', MinAPIVersion: '1.24', Os: 'linux' });
    const info = (await h.http('GET', '/info')).json<Record<string, unknown>>();
    expect(info).toMatchObject({
      OSType: 'linux',
      Images: 1,
      IndexServerAddress: 'https://index.docker.io/v1/',
    });
    expect(Object.keys(info.Runtimes as object).length).toBeGreaterThan(0);
  });

  it('rejects malformed JSON, oversized bodies, bad ids and missing images with 4xx, and keeps serving', async () => {
    const bad = await h.http('POST', `${V}/containers/create`, {
      body: '{"Image":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json<{ message: string }>().message).toMatch(/invalid JSON/);
    const huge = await h.http(
      'POST',
      `${V}/containers/create`,
      json({ Image: 'busybox', Env: ['X='.padEnd(5_000_000, 'x')] }),
    );
    expect(huge.status).toBe(413);
    const wrongType = await h.http('POST', `${V}/containers/create`, json({ Image: 'busybox', Cmd: 42 }));
    expect(wrongType.status).toBe(400);
    const missing = await h.http('GET', `${V}/containers/nope-${h.engineName}/json`);
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: `No such container: nope-${h.engineName}` });
    const noImage = await h.http('POST', `${V}/containers/create`, json({ Image: 'no-such-image:1' }));
    expect(noImage.status).toBe(404);
    expect(noImage.json<{ message: string }>().message).toMatch(/No such image/);
    expect((await h.http('GET', `${V}/images/no-such-image:1/json`)).status).toBe(404);
    expect((await h.http('GET', `${V}/no/such/route`)).json()).toEqual({ message: 'page not found' });
    expect((await h.http('GET', '/_ping')).status).toBe(200);
  });

  it('creates with unknown fields ignored and answers start/stop no-ops with 304', async () => {
    const id = await create(
      { Cmd: ['sleep', '30'], SomethingNew: { x: 1 }, HostConfig: { FutureKnob: true } },
      `web-${h.engineName}`,
    );
    expect((await h.http('POST', `${V}/containers/${id}/start`)).status).toBe(204);
    expect((await h.http('POST', `${V}/containers/${id}/start`)).status).toBe(304);
    const inspect = (
      await h.http('GET', `${V}/containers/web-${h.engineName}/json`)
    ).json<ContainerInspectWire>();
    expect(inspect.Name).toBe(`/web-${h.engineName}`);
    expect(inspect.State).toMatchObject({ Status: 'running', Running: true });
    expect(inspect.Config).toMatchObject({ Image: 'busybox', Cmd: ['sleep', '30'] });
    expect(inspect.Path).toBe('sleep');
    const list = (
      await h.http(
        'GET',
        `${V}/containers/json?filters=${encodeURIComponent(JSON.stringify({ name: { [`web-${h.engineName}`]: true } }))}`,
      )
    ).json<{ Id: string; Status: string; Names: string[] }[]>();
    expect(list.map((c) => c.Id)).toEqual([id]);
    expect(list[0]?.Status).toMatch(/^Up /);
    expect((await h.http('POST', `${V}/containers/${id}/stop?t=1`, json({ t: 1 }))).status).toBe(204);
    expect((await h.http('POST', `${V}/containers/${id}/stop?t=1`)).status).toBe(304);
    expect((await h.http('DELETE', `${V}/containers/${id}?v=1`)).status).toBe(204);
    expect((await h.http('DELETE', `${V}/containers/${id}`)).status).toBe(404);
  });

  it('serves logs multiplexed without a TTY and raw with one, with tail and timestamps', async () => {
    const id = await runToExit({ Cmd: ['sh', '-c', 'echo out; echo err >&2; echo out2'] });
    const logs = await h.http('GET', `${V}/containers/${id}/logs?stdout=1&stderr=1`);
    expect(logs.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    const got = frames(logs.body);
    expect(
      got
        .filter(([s]) => s === 1)
        .map(([, t]) => t)
        .join(''),
    ).toBe('out\nout2\n');
    expect(
      got
        .filter(([s]) => s === 2)
        .map(([, t]) => t)
        .join(''),
    ).toBe('err\n');
    expect(logs.body.subarray(0, 8)).toEqual(
      Buffer.from([got[0]?.[0] ?? 0, 0, 0, 0, 0, 0, 0, (got[0]?.[1] ?? '').length]),
    );
    // tail counts the last lines of the log across both streams (stdout and stderr arrive on
    // separate pipes, so their order is not fixed): check it on a stdout-only container.
    const counted = await runToExit({ Cmd: ['sh', '-c', 'echo a; echo b; echo c'] });
    const tail = frames((await h.http('GET', `${V}/containers/${counted}/logs?stdout=1&tail=2`)).body);
    expect(tail.map(([, t]) => t).join('')).toBe('b\nc\n');
    const stamped = frames((await h.http('GET', `${V}/containers/${id}/logs?stderr=1&timestamps=1`)).body);
    expect(stamped[0]?.[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err\n$/);
    const old = await h.http('GET', `/v1.41/containers/${id}/logs?stdout=1`);
    expect(old.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    const ttyId = await runToExit({ Tty: true, Cmd: ['sh', '-c', 'echo hi'] });
    const ttyLogs = await h.http('GET', `${V}/containers/${ttyId}/logs?stdout=1&stderr=1`);
    expect(ttyLogs.body.toString()).toBe('hi\r\n');
    expect((await h.http('GET', `${V}/containers/${id}/logs`)).status).toBe(400);
  });

  it('hijacks attach with 101 UPGRADED: stdin in, frames out, half-close ends stdin', async () => {
    const id = await create({
      Cmd: ['cat'],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
    });
    const { socket, received } = h.openRaw(
      `POST ${V}/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 100));
    const waiting = h.http('POST', `${V}/containers/${id}/wait?condition=next-exit`);
    expect((await h.http('POST', `${V}/containers/${id}/start`)).status).toBe(204);
    socket.write('hello through stdin\n');
    await new Promise((r) => setTimeout(r, 100));
    socket.end();
    const { head, body } = splitHead(await received);
    expect(head[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(head).toContain('Upgrade: tcp');
    expect(head).toContain('Content-Type: application/vnd.docker.multiplexed-stream');
    expect(frames(body)).toEqual([[1, 'hello through stdin\n']]);
    expect((await waiting).json<{ StatusCode: number }>().StatusCode).toBe(0);
  });

  it('runs exec the dockerode way (plain POST) with the exit code stored before EOF', async () => {
    const id = await create({ Cmd: ['sleep', '30'] });
    await h.http('POST', `${V}/containers/${id}/start`);
    const exec = await h.http(
      'POST',
      `${V}/containers/${id}/exec`,
      json({ Cmd: ['sh', '-c', 'echo hi; echo oops >&2; exit 7'], AttachStdout: true, AttachStderr: true }),
    );
    expect(exec.status).toBe(201);
    const execId = exec.json<{ Id: string }>().Id;
    const start = await h.http(
      'POST',
      `${V}/exec/${execId}/start`,
      json({ Detach: false, Tty: false, stdin: true }),
    );
    expect(start.status).toBe(200);
    expect(frames(start.body)).toEqual([
      [1, 'hi\n'],
      [2, 'oops\n'],
    ]);
    const inspect = (await h.http('GET', `${V}/exec/${execId}/json`)).json<{
      ExitCode: number;
      Running: boolean;
    }>();
    expect(inspect).toMatchObject({ ExitCode: 7, Running: false });
    const empty = await h.http('POST', `${V}/containers/${id}/exec`, json({ Cmd: [] }));
    expect(empty.status).toBe(400);
    const missing = await h.http(
      'POST',
      `${V}/containers/${id}/exec`,
      json({ Cmd: ['/no/such/binary'], AttachStdout: true }),
    );
    const missingId = missing.json<{ Id: string }>().Id;
    await h.http('POST', `${V}/exec/${missingId}/start`, json({ Detach: false, Tty: false }));
    expect((await h.http('GET', `${V}/exec/${missingId}/json`)).json<{ ExitCode: number }>().ExitCode).toBe(
      127,
    );
    await h.http('DELETE', `${V}/containers/${id}?force=1`);
  });

  it('hijacks exec start for Upgrade: tcp, reading exactly the JSON body before stdin', async () => {
    const id = await create({ Cmd: ['sleep', '30'] });
    await h.http('POST', `${V}/containers/${id}/start`);
    const exec = await h.http(
      'POST',
      `${V}/containers/${id}/exec`,
      json({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true }),
    );
    const execId = exec.json<{ Id: string }>().Id;
    const body = '{"Detach":false,"Tty":false}';
    const response = await h.raw(
      `POST ${V}/exec/${execId}/start HTTP/1.1\r\nHost: api\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}ping from stdin\n`,
      { halfCloseAfterMs: 200 },
    );
    const { head, body: stream } = splitHead(response);
    expect(head[0]).toBe('HTTP/1.1 101 UPGRADED');
    expect(frames(stream)).toEqual([[1, 'ping from stdin\n']]);
    expect((await h.http('GET', `${V}/exec/${execId}/json`)).json<{ ExitCode: number }>().ExitCode).toBe(0);
    await h.http('DELETE', `${V}/containers/${id}?force=1`);
  });

  it('flushes wait headers at once and reports the code of an auto-removed container', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'exit 5'], HostConfig: { AutoRemove: true } });
    const headersAt = new Promise<number>((resolve) => {
      const t = Date.now();
      void h.http('POST', `${V}/containers/${id}/wait?condition=removed`).then((r) => {
        expect(r.json()).toEqual({ StatusCode: 5, Error: null });
        resolve(Date.now() - t);
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    await h.http('POST', `${V}/containers/${id}/start`);
    await headersAt;
    expect((await h.http('GET', `${V}/containers/${id}/json`)).status).toBe(404);
    expect((await h.http('POST', `${V}/containers/${id}/wait?condition=sometime`)).status).toBe(400);
  });

  it('copies archives in and out with the path-stat header', async () => {
    const id = await create({ Cmd: ['true'] });
    const pack = tar.pack();
    pack.entry({ name: 'hello.txt', mode: 0o640 }, 'hello archive\n');
    pack.finalize();
    const parts: Buffer[] = [];
    for await (const c of pack as unknown as AsyncIterable<Buffer>) parts.push(c);
    const put = await h.http('PUT', `${V}/containers/${id}/archive?path=%2Ftmp&noOverwriteDirNonDir=true`, {
      body: Buffer.concat(parts),
      headers: { 'Content-Type': 'application/x-tar' },
    });
    expect(put.status).toBe(200);
    const stat = await h.http('HEAD', `${V}/containers/${id}/archive?path=/tmp/hello.txt`);
    expect(stat.status).toBe(200);
    const decoded = JSON.parse(
      Buffer.from(String(stat.headers['x-docker-container-path-stat']), 'base64').toString(),
    );
    expect(decoded).toMatchObject({ name: 'hello.txt', size: 14 });
    const dirStat = await h.http('HEAD', `${V}/containers/${id}/archive?path=/tmp`);
    const dirMode = JSON.parse(
      Buffer.from(String(dirStat.headers['x-docker-container-path-stat']), 'base64').toString(),
    ).mode;
    expect(Math.floor(dirMode / 2 ** 31) % 2).toBe(1);
    const get = await h.http('GET', `${V}/containers/${id}/archive?path=/tmp/hello.txt`);
    expect(get.headers['content-type']).toBe('application/x-tar');
    expect(get.body.toString()).toContain('hello archive');
    expect((await h.http('HEAD', `${V}/containers/${id}/archive?path=/no/such`)).status).toBe(404);
    await h.http('DELETE', `${V}/containers/${id}`);
  });

  it('streams events with filters, and replays them with since/until', async () => {
    const since = Date.now() / 1000;
    const id = await runToExit({ Cmd: ['true'], Labels: { suite: h.engineName } });
    await h.http('DELETE', `${V}/containers/${id}`);
    const until = Date.now() / 1000 + 0.1;
    const filters = encodeURIComponent(
      JSON.stringify({ type: ['container'], label: [`suite=${h.engineName}`] }),
    );
    const r = await h.http('GET', `${V}/events?since=${since}&until=${until}&filters=${filters}`);
    const events = r.body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; id: string; Actor: { ID: string } });
    expect(events.map((e) => e.Action)).toEqual(
      expect.arrayContaining(['create', 'start', 'die', 'destroy']),
    );
    expect(new Set(events.map((e) => e.Actor.ID))).toEqual(new Set([id]));
  });

  it('lists, tags, saves and removes images', async () => {
    const list = (await h.http('GET', `${V}/images/json`)).json<{ RepoTags: string[]; Id: string }[]>();
    expect(list.flatMap((i) => i.RepoTags)).toContain('busybox:latest');
    expect((await h.http('POST', `${V}/images/busybox/tag?repo=localhost:5000/team/box&tag=v1`)).status).toBe(
      201,
    );
    const inspect = await h.http('GET', `${V}/images/localhost:5000/team/box:v1/json`);
    expect(inspect.status).toBe(200);
    expect(inspect.json<{ RepoTags: string[] }>().RepoTags).toContain('localhost:5000/team/box:v1');
    const saved = await h.http('GET', `${V}/images/localhost:5000/team/box:v1/get`);
    expect(saved.status).toBe(200);
    expect(saved.body.toString('latin1')).toContain('manifest.json');
    const removed = await h.http('DELETE', `${V}/images/localhost:5000/team/box:v1`);
    expect(removed.json()).toEqual([{ Untagged: 'localhost:5000/team/box:v1' }]);
    expect((await h.http('GET', `${V}/images/busybox/history`)).status).toBe(200);
  });

  it('holds an exec whose client stops reading (backpressure), and lets it go when the client reads or leaves', async () => {
    const id = await create({ Cmd: ['sleep', '60'] });
    await h.http('POST', `${V}/containers/${id}/start`);
    // 32 MiB of output, then a marker file: the marker appears only once the output was taken.
    const script = 'head -c 33554432 /dev/zero; touch /tmp/done-$0';
    const startExec = async (tag: string) => {
      const exec = await h.http(
        'POST',
        `${V}/containers/${id}/exec`,
        json({ Cmd: ['sh', '-c', script, tag], AttachStdout: true, AttachStderr: true }),
      );
      const execId = exec.json<{ Id: string }>().Id;
      const { request } = await import('node:http');
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        const req = request(
          {
            socketPath: h.socketPath,
            method: 'POST',
            path: `${V}/exec/${execId}/start`,
            headers: { 'Content-Type': 'application/json' },
          },
          resolve,
        );
        req.on('error', reject);
        req.end(JSON.stringify({ Detach: false, Tty: false }));
      });
      res.pause();
      return { execId, res };
    };
    const done = async (tag: string) =>
      (await h.http('GET', `${V}/containers/${id}/archive?path=/tmp/done-${tag}`)).status === 200;
    const running = async (execId: string) =>
      (await h.http('GET', `${V}/exec/${execId}/json`)).json<{ Running: boolean }>().Running;

    // A client that does not read: the process blocks on its output, still running.
    const slow = await startExec('slow');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await done('slow')).toBe(false);
    expect(await running(slow.execId)).toBe(true);
    // Reading everything lets it finish.
    let received = 0;
    slow.res.on('data', (c: Buffer) => {
      received += c.length;
    });
    slow.res.resume();
    await new Promise((r) => slow.res.once('end', r));
    expect(received).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(await done('slow')).toBe(true);

    // A client that leaves without reading: the process is let go, its output dropped.
    const gone = await startExec('gone');
    await new Promise((r) => setTimeout(r, 500));
    expect(await running(gone.execId)).toBe(true);
    gone.res.destroy();
    let finished = false;
    for (let i = 0; i < 100 && !finished; i++) {
      finished = !(await running(gone.execId));
      if (!finished) await new Promise((r) => setTimeout(r, 100));
    }
    expect(finished).toBe(true);
    expect(await done('gone')).toBe(true);
    await h.http('DELETE', `${V}/containers/${id}?force=1`);
  });
});
